#!/usr/bin/env python3
"""Generate the made-up document folder for Orrin & Vale Solicitors LLP.

Writes six files into ./docs next to this script:
  fee-guide-2026.pdf, client-care-letter-template.docx, conveyancing-process.pptx,
  complaints-procedure.html, staff-expenses-policy.md, it-acceptable-use.txt
All names, numbers and facts are invented.
"""
import os
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "docs")
os.makedirs(OUT, exist_ok=True)

FIRM = "Orrin & Vale Solicitors LLP"
ADDRESS = "14 Coldharbour Street, Marlbridge, MB3 7QT"
PHONE = "01632 960 418"
FOOTER = (f"{FIRM} · {ADDRESS} · Tel {PHONE} · enquiries@orrinvale.co.uk · "
          "Authorised and regulated by the Solicitors Regulation Authority (SRA No. 648213)")


# ---------------------------------------------------------------------------
# 1. Fee guide (PDF, reportlab)
# ---------------------------------------------------------------------------
def make_pdf():
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet, ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (SimpleDocTemplate, Paragraph, Spacer, Table,
                                    TableStyle, ListFlowable, ListItem)

    ss = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=ss["BodyText"], fontSize=10, leading=13.5)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11,
                           textColor=colors.HexColor("#444444"))
    h1 = ParagraphStyle("h1", parent=ss["Title"], fontSize=20, leading=24,
                        textColor=colors.HexColor("#1d3557"))
    h2 = ParagraphStyle("h2", parent=ss["Heading2"], fontSize=13, leading=16,
                        textColor=colors.HexColor("#1d3557"), spaceBefore=10)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5)

    def P(t, st=body):
        return Paragraph(escape(t), st)

    def bullets(items):
        return ListFlowable([ListItem(P(i), leftIndent=12) for i in items],
                            bulletType="bullet", start="•", leftIndent=14)

    def table(rows, widths):
        hdr = ParagraphStyle("hdr", parent=cell, textColor=colors.white)
        data = [[Paragraph("<b>%s</b>" % escape(c), hdr) for c in rows[0]]]
        data += [[Paragraph(escape(c), cell) for c in r] for r in rows[1:]]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1d3557")),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a8a8a")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#eef2f7")]),
        ]))
        return t

    story = []
    story.append(P("Orrin & Vale Solicitors LLP", ParagraphStyle("pre", parent=body, fontSize=11,
                                                                   textColor=colors.HexColor("#6c757d"))))
    story.append(P("Guide to Our Fees 2026", h1))
    story.append(P("Version 2.3 · Effective from 1 February 2026 · Replaces version 2.2 (April 2025)", small))
    story.append(Spacer(1, 6))

    story.append(P("1. About this guide", h2))
    story.append(P("This guide sets out our standard charges for residential property, private client "
                   "and general advice work. All legal fees are shown excluding VAT, which is charged at 20%. "
                   "Disbursements are costs we pay to third parties on your behalf, such as search providers "
                   "and HM Land Registry; they are listed separately in section 5."))
    story.append(P("The figures below are our standard fees for straightforward matters. If your matter is "
                   "unusual or complex, we will give you a written estimate before we start work, and we will "
                   "tell you promptly if anything changes that estimate."))

    story.append(P("2. Residential conveyancing: legal fees", h2))
    story.append(P("Our legal fee depends on the price of the property and on whether you are buying or "
                   "selling. The fees below are for freehold houses."))
    story.append(table([
        ["Property price", "Purchase (freehold)", "Sale (freehold)"],
        ["Up to £250,000", "£1,150", "£950"],
        ["£250,001 to £500,000", "£1,395", "£1,150"],
        ["£500,001 to £1,000,000", "£1,750", "£1,450"],
        ["Over £1,000,000", "0.2% of the price (minimum £2,200)", "0.15% of the price (minimum £1,800)"],
    ], [55 * mm, 55 * mm, 55 * mm]))
    story.append(Spacer(1, 6))
    story.append(P("Where you are buying and selling at the same time and we act on both transactions, "
                   "we reduce the combined legal fee by £150."))
    story.append(P("The following supplements are added to the fee above where they apply:"))
    story.append(bullets([
        "Leasehold property: add £450 to a purchase fee and £350 to a sale fee.",
        "New-build property: add £300.",
        "Each Lifetime ISA or Help to Buy ISA used towards the purchase: £75.",
        "Preparing and filing the Stamp Duty Land Tax (SDLT) return: £125.",
        "Acting for a mortgage lender that is not on our standard lender panel: £195.",
        "Gifted deposit (per person giving money, including their identity checks): £95.",
    ]))
    story.append(P("Other residential work: a remortgage is charged at a fixed fee of £695, and a transfer "
                   "of equity at £595."))

    story.append(P("3. Wills, powers of attorney and probate", h2))
    story.append(table([
        ["Service", "Fee (excluding VAT)", "Notes"],
        ["Single will", "£295", "Includes one meeting and one set of amendments"],
        ["Mirror wills (for a couple)", "£450", "Two wills in matching terms"],
        ["Lasting Power of Attorney (LPA)", "£475 per LPA", "Office of the Public Guardian fee of £82 per LPA is extra"],
        ["Grant of probate only", "£1,250", "Obtaining the grant; estate administration is not included"],
        ["Full estate administration", "Written estimate", "Typically 1.5% to 2.5% of the gross estate value"],
    ], [55 * mm, 40 * mm, 70 * mm]))

    story.append(P("4. Hourly rates", h2))
    story.append(P("Work that is not covered by a fixed fee is charged at the hourly rate of the person "
                   "doing it. We record time in units of six minutes."))
    story.append(table([
        ["Grade", "Hourly rate (excluding VAT)"],
        ["Partner", "£295"],
        ["Senior Associate", "£245"],
        ["Solicitor", "£210"],
        ["Trainee solicitor or paralegal", "£135"],
    ], [80 * mm, 60 * mm]))

    story.append(P("5. Disbursements on a typical purchase", h2))
    story.append(table([
        ["Item", "Amount", "VAT"],
        ["Search pack (local authority, drainage and water, environmental)", "£318.60", "Included"],
        ["Chancel repair liability check", "£18.00", "Included"],
        ["HM Land Registry official copies", "£7.00 per document", "No VAT"],
        ["Land Registry priority search (OS1)", "£7.00", "No VAT"],
        ["Bankruptcy search", "£2.00 per buyer", "No VAT"],
        ["Electronic ID and AML check", "£14.40 per person", "Included"],
        ["Lawyer Checker fee", "£18.00 per transaction", "Included"],
        ["Telegraphic transfer (CHAPS)", "£42.00 per transfer", "Included"],
        ["HM Land Registry registration fee", "£20 to £910 depending on price", "No VAT"],
    ], [85 * mm, 50 * mm, 30 * mm]))
    story.append(Spacer(1, 4))
    story.append(P("For leasehold properties, the landlord or managing agent will also charge for a "
                   "management information pack. These charges are set by them, not by us, and usually "
                   "range from £250 to £600.", small))

    story.append(P("6. Paying us", h2))
    story.append(bullets([
        "When you instruct us, we ask for a payment on account of £350 for a purchase and £150 for a sale, "
        "so that we can order searches and carry out checks.",
        "Invoices are payable within 14 days of the invoice date.",
        "We accept payment by bank transfer or debit card. We do not accept cash payments over £500.",
        "We may charge interest at 8% a year on bills that remain unpaid 30 days after the invoice date.",
    ]))
    story.append(P("If your purchase or sale does not go ahead for any reason, we will charge for the work "
                   "done at our hourly rates, up to a maximum of 60% of the quoted legal fee, plus any "
                   "disbursements already paid."))

    story.append(P("7. What our fees do not include", h2))
    story.append(bullets([
        "Advice on taxes other than SDLT, for example capital gains tax or inheritance tax planning.",
        "Resolving defects in the title, or missing planning or building regulations consents, beyond "
        "arranging a single indemnity insurance policy.",
        "Disputes between you and the other party, before or after completion.",
        "Work relating to a Right to Manage company or a share of the freehold.",
    ]))
    story.append(Spacer(1, 10))
    story.append(P("Questions about this guide? Call our Residential Property Team on 01632 960 418 "
                   "(option 2) or email property@orrinvale.co.uk.", body))
    story.append(Spacer(1, 6))
    story.append(P(FOOTER, small))

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(18 * mm, 10 * mm, "Orrin & Vale Solicitors LLP · Guide to Our Fees 2026 · v2.3")
        canvas.drawRightString(192 * mm, 10 * mm, "Page %d" % doc.page)
        canvas.restoreState()

    doc = SimpleDocTemplate(os.path.join(OUT, "fee-guide-2026.pdf"), pagesize=A4,
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title="Guide to Our Fees 2026",
                            author="Orrin & Vale Solicitors LLP")
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)


# ---------------------------------------------------------------------------
# 2. Client care letter template (DOCX, python-docx)
# ---------------------------------------------------------------------------
def make_docx():
    from docx import Document
    from docx.shared import Pt, RGBColor

    d = Document()
    st = d.styles["Normal"]
    st.font.name = "Calibri"
    st.font.size = Pt(10.5)

    d.add_heading("Client Care Letter: Template CCL-01", level=0)
    p = d.add_paragraph("Version 4.0 · January 2026 · Owner: Priya Ramsden, Compliance Officer for Legal Practice (COLP)")
    p.runs[0].font.size = Pt(9)

    note = d.add_paragraph()
    r = note.add_run("Internal note for fee earners: complete every field in square brackets. Send this letter "
                     "with the Client onboarding Checklist (CoC) within 2 working days of receiving instructions. "
                     "Do not change the wording of sections 5 to 9 without approval from the COLP.")
    r.italic = True
    r.font.color.rgb = RGBColor(0x99, 0x22, 0x22)

    d.add_paragraph("[Client name]\n[Address line 1]\n[Town]\n[Postcode]")
    d.add_paragraph("Our ref: [REF]        Date: [DATE]")
    d.add_paragraph("Dear [Client name],")
    p = d.add_paragraph()
    p.add_run("Re: [Matter description]").bold = True
    d.add_paragraph("Thank you for instructing Orrin & Vale Solicitors LLP. This letter, together with our "
                    "Terms of Business, explains who will look after your matter, what it is likely to cost "
                    "and what you can expect from us. Please read it carefully and keep it for future reference.")

    d.add_heading("1. Who will deal with your matter", level=1)
    d.add_paragraph("The people below are responsible for your matter. If your matter handler is unavailable, "
                    "any member of the team can help you.")
    rows = [
        ("Role", "Name", "Direct line", "Email"),
        ("Matter handler", "[Name]", "[Phone]", "[Email]"),
        ("Supervising partner", "Helena Vale", "01632 960 421", "h.vale@orrinvale.co.uk"),
        ("Client Care Partner (complaints)", "Priya Ramsden", "01632 960 430", "complaints@orrinvale.co.uk"),
        ("Data Protection Officer", "Martin Kessel", "01632 960 437", "dpo@orrinvale.co.uk"),
    ]
    t = d.add_table(rows=len(rows), cols=4)
    t.style = "Light Grid Accent 1"
    for i, row in enumerate(rows):
        for j, val in enumerate(row):
            t.cell(i, j).text = val

    d.add_heading("2. Our service standards", level=1)
    d.add_paragraph("We will:")
    for b in ["reply to your emails and letters within 2 working days;",
              "return your phone calls by the end of the next working day;",
              "update you on progress at least every 3 weeks, even if nothing has changed;",
              "explain our advice in plain English and tell you promptly if anything affects the cost or timing."]:
        d.add_paragraph(b, style="List Bullet")
    d.add_paragraph("Our offices are open Monday to Thursday from 9:00am to 5:30pm and on Friday from 9:00am "
                    "to 5:00pm. Saturday appointments between 9:30am and 12:30pm are available on the first "
                    "Saturday of each month, by arrangement with your matter handler.")

    d.add_heading("3. Identity and anti-money laundering checks", level=1)
    d.add_paragraph("To comply with the Money Laundering Regulations we must verify your identity and the "
                    "source of your funds before we can act for you. Please provide:")
    for b in ["a current passport or photocard driving licence;",
              "a utility bill, council tax bill or bank statement dated within the last three months "
              "showing your current address;",
              "evidence of where your money is coming from, for example bank statements for the last six months."]:
        d.add_paragraph(b, style="List Bullet")
    d.add_paragraph("We will not accept photographs of documents sent by text message or WhatsApp. You can "
                    "upload them through our secure client portal or bring the originals to our office. "
                    "If we have not received these within 10 working days, we may stop work on your matter.")

    d.add_heading("4. Our fees", level=1)
    d.add_paragraph("Our estimate of our fees is [£AMOUNT] plus VAT, together with the disbursements set out in "
                    "the enclosed estimate. If it becomes clear that the estimate will be exceeded by more than "
                    "10%, we will tell you before doing any further work.")

    d.add_heading("5. Protecting your money from fraud", level=1)
    d.add_paragraph("Criminals target people who are buying and selling property. Our bank details will never "
                    "change during your matter, and we will never send you our bank details, or any change to "
                    "them, by email. Before transferring any money, telephone your matter handler on a number "
                    "you already know to confirm our account details. We will not be responsible for money "
                    "you send to the wrong account.")
    d.add_paragraph("For any payment over £10,000 we recommend that you first send a test payment of £1 and "
                    "wait for us to confirm that it has arrived.")

    d.add_heading("6. Interest on money we hold for you", level=1)
    d.add_paragraph("We will pay you interest on money we hold for you in our client account if the amount of "
                    "interest calculated is £30 or more. Interest is calculated at the rate our bank pays on "
                    "instant-access deposit accounts.")

    d.add_heading("7. Your right to cancel", level=1)
    d.add_paragraph("If we did not meet you at our offices, or you instructed us online or by phone, you have "
                    "the right to cancel within 14 days of the date of this letter without giving any reason. "
                    "If you ask us to start work within that period and then cancel, you will have to pay for "
                    "the work done up to the date you cancel.")

    d.add_heading("8. Your personal data", level=1)
    d.add_paragraph("We process your personal data in line with the UK GDPR and our Privacy Notice, which you "
                    "can read at orrinvale.co.uk/privacy. We use your data to provide legal services, to carry "
                    "out identity checks and to meet our regulatory obligations.")
    d.add_paragraph("We do not sell your data. We share it only with third parties who need it to carry out "
                    "your matter, such as search providers, HM Land Registry, HMRC and your mortgage lender. "
                    "You can ask for a copy of the personal data we hold about you by writing to our Data "
                    "Protection Officer, Martin Kessel; we will respond within one month.")

    d.add_heading("9. Storing your file", level=1)
    d.add_paragraph("We keep our files for at least 7 years after your matter ends. After that they are "
                    "destroyed confidentially without further notice to you. We store original wills and "
                    "title deeds in our strongroom free of charge.")

    d.add_heading("10. If you are unhappy", level=1)
    d.add_paragraph("If you are unhappy with our service, please raise it first with your matter handler. If "
                    "that does not resolve things, contact our Client Care Partner, Priya Ramsden. A copy of "
                    "our complaints procedure is enclosed.")

    d.add_heading("11. Insurance", level=1)
    d.add_paragraph("We hold professional indemnity insurance with a limit of £3 million for each claim. "
                    "Details of the insurer are available on request.")

    d.add_heading("12. Next steps", level=1)
    d.add_paragraph("Please sign and return the enclosed copy of this letter, together with the items listed "
                    "on the CoC, within 10 working days.")
    d.add_paragraph("Yours sincerely,")
    d.add_paragraph("[Matter handler name]\nfor and on behalf of Orrin & Vale Solicitors LLP")

    sec = d.sections[0]
    fp = sec.footer.paragraphs[0]
    fp.text = FOOTER
    fp.runs[0].font.size = Pt(7.5)
    d.save(os.path.join(OUT, "client-care-letter-template.docx"))


# ---------------------------------------------------------------------------
# 3. Conveyancing process (PPTX, python-pptx)
# ---------------------------------------------------------------------------
def make_pptx():
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()

    s = prs.slides.add_slide(prs.slide_layouts[0])
    s.shapes.title.text = "Buying your home: the conveyancing process"
    s.placeholders[1].text = ("Orrin & Vale Solicitors LLP · Residential Property Team\n"
                              "Client guide, March 2026")

    def bullet_slide(title, items):
        sl = prs.slides.add_slide(prs.slide_layouts[1])
        sl.shapes.title.text = title
        body = sl.placeholders[1]
        tf = body.text_frame
        first = True
        for it in items:
            level = 0
            if it.startswith("  - "):
                level, it = 1, it[4:]
            para = tf.paragraphs[0] if first else tf.add_paragraph()
            first = False
            para.text = it
            para.level = level
            for run in para.runs:
                run.font.size = Pt(17 if level == 0 else 15)
        return sl

    bullet_slide("The journey at a glance", [
        "1. Instruction and identity checks",
        "2. Searches and the contract pack",
        "3. Enquiries, mortgage offer and report on title",
        "4. Exchange of contracts",
        "5. Completion",
        "6. After completion: SDLT and registration",
        "A typical freehold purchase takes 12 to 16 weeks from instruction to completion.",
    ])
    bullet_slide("Step 1: Getting started", [
        "Sign and return our client care letter",
        "Complete the Client onboarding Checklist (CoC), which asks for:",
        "  - a current passport or photocard driving licence",
        "  - proof of address dated within the last 3 months",
        "  - the last 6 months' bank statements for the account holding your deposit",
        "  - your mortgage agreement in principle or mortgage offer",
        "If someone is giving you money towards the deposit, they must also complete our ID checks "
        "and sign a gift declaration",
        "Pay the payment on account so that we can order searches",
    ])
    bullet_slide("Step 2: Searches and enquiries", [
        "We order the search pack as soon as we receive your payment on account",
        "Local authority searches in Marlbridge currently take about 3 weeks; Thornby District Council "
        "can take up to 6 weeks",
        "We raise enquiries with the seller's solicitor about anything unclear in the contract pack",
        "Leasehold: we also need a management pack from the landlord or managing agent, which often "
        "adds 2 to 4 weeks",
    ])
    bullet_slide("Step 3: Report on title and signing", [
        "We send you a written Report on Title summarising the property, the searches and the seller's replies",
        "Read it carefully and tell us about anything that does not match what you were told",
        "You sign the contract, the transfer deed (TR1) and your mortgage deed",
        "Your mortgage deed must be signed in front of an independent adult witness who is not a family member",
    ])
    bullet_slide("Step 4: Exchange of contracts", [
        "Your deposit, usually 10% of the price, must be in our client account as cleared funds at "
        "least 5 working days before exchange",
        "On exchange the contract becomes legally binding on both sides",
        "If you pull out after exchange you lose your deposit and may have to pay the seller's further losses",
        "Arrange buildings insurance to start from the date of exchange",
        "The completion date is fixed at exchange, usually 1 to 2 weeks later",
    ])
    bullet_slide("Step 5: Completion day", [
        "We request your mortgage funds from the lender 3 working days before completion",
        "The balance of the purchase money from you must reach us at least 2 working days before completion",
        "On the morning of completion we send the money to the seller's solicitor by CHAPS",
        "The estate agent releases the keys once the seller's solicitor confirms the money has arrived, "
        "usually between 12 noon and 2pm",
    ])
    bullet_slide("Step 6: After completion", [
        "We pay any Stamp Duty Land Tax and file the SDLT return: HMRC's deadline is 14 days after completion",
        "We apply to HM Land Registry to register you as the new owner",
        "Registration can take several months; we send you a copy of the updated title register when it is done",
        "We send you a final completion statement and close the file",
    ])

    # table slide
    sl = prs.slides.add_slide(prs.slide_layouts[5])
    sl.shapes.title.text = "Typical timescales"
    rows = [
        ("Stage", "Freehold", "Leasehold"),
        ("Instruction to search results", "2 to 4 weeks", "3 to 5 weeks"),
        ("Enquiries and report on title", "3 to 5 weeks", "5 to 8 weeks"),
        ("Signing to exchange", "1 to 2 weeks", "1 to 2 weeks"),
        ("Exchange to completion", "1 to 2 weeks", "1 to 2 weeks"),
        ("Total, including chain delays", "12 to 16 weeks", "16 to 20 weeks"),
    ]
    gt = sl.shapes.add_table(len(rows), 3, Inches(0.5), Inches(1.6), Inches(9.0), Inches(4.2)).table
    gt.columns[0].width = Inches(4.4)
    gt.columns[1].width = Inches(2.3)
    gt.columns[2].width = Inches(2.3)
    for i, row in enumerate(rows):
        for j, val in enumerate(row):
            c = gt.cell(i, j)
            c.text = val
            for para in c.text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(16)
    tb = sl.shapes.add_textbox(Inches(0.5), Inches(6.2), Inches(9.0), Inches(0.6))
    tb.text_frame.text = "Timescales are a guide only and depend on the other parties in your chain."

    bullet_slide("Questions?", [
        "Residential Property Team: 01632 960 418 (option 2)",
        "Email: property@orrinvale.co.uk",
        "Team leader: Owen Marsh, Senior Associate",
        "Orrin & Vale Solicitors LLP, 14 Coldharbour Street, Marlbridge, MB3 7QT",
    ])
    prs.save(os.path.join(OUT, "conveyancing-process.pptx"))


# ---------------------------------------------------------------------------
# 4. Complaints procedure (HTML)
# ---------------------------------------------------------------------------
HTML = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Complaints Procedure | Orrin &amp; Vale Solicitors LLP</title>
<style>
  body { font-family: Georgia, serif; max-width: 52rem; margin: 2rem auto; color: #222; line-height: 1.5; }
  h1, h2 { color: #1d3557; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  th, td { border: 1px solid #999; padding: .4rem .6rem; text-align: left; vertical-align: top; }
  th { background: #1d3557; color: #fff; }
  .meta, footer { font-size: .85rem; color: #555; }
</style>
</head>
<body>
<header>
<p class="meta">Orrin &amp; Vale Solicitors LLP</p>
<h1>Complaints Procedure</h1>
<p class="meta">Document CP-02 · Version 5 · Last reviewed 12 January 2026</p>
</header>

<main>
<p>We aim to give every client a high standard of service. If something has gone wrong, we want to hear about it so that we can put it right. Making a complaint is free of charge and will not affect the way we handle your matter.</p>

<h2>1. How to make a complaint</h2>
<p>Please raise any concern first with the person dealing with your matter, as many problems can be sorted out quickly this way. If you would rather not do that, or you are not satisfied with the outcome, please contact our Client Care Partner:</p>
<ul>
  <li>Priya Ramsden, Client Care Partner</li>
  <li>Email: complaints@orrinvale.co.uk</li>
  <li>Telephone: 01632 960 430</li>
  <li>Post: 14 Coldharbour Street, Marlbridge, MB3 7QT, marked &ldquo;Private and Confidential&rdquo;</li>
</ul>
<p>You can complain in writing, by phone or in person. Please tell us what happened, what you think we got wrong and what you would like us to do to put it right.</p>

<h2>2. What happens next</h2>
<table>
  <thead>
    <tr><th>Stage</th><th>What we do</th><th>Timescale</th></tr>
  </thead>
  <tbody>
    <tr><td>1. Acknowledgement</td><td>We write to confirm that we have received your complaint and send you a copy of this procedure.</td><td>Within 3 working days of receiving your complaint</td></tr>
    <tr><td>2. Investigation</td><td>Priya Ramsden, or another partner who has not been involved in your matter, reviews your file and may invite you to a meeting or a call.</td><td>Within 14 days of our acknowledgement</td></tr>
    <tr><td>3. Written response</td><td>We send you a detailed written response explaining our findings and any offer we make to put things right.</td><td>Within 28 days of receiving your complaint</td></tr>
    <tr><td>4. Review</td><td>If you are not satisfied, our Senior Partner, Daniel Orrin, reviews the decision and sends you our final response.</td><td>Ask for a review within 14 days of our written response; we reply within 14 days of your request</td></tr>
  </tbody>
</table>
<p>We aim to resolve every complaint within 8 weeks. If we cannot, we will write to explain why and tell you when we expect to finish.</p>

<h2>3. The Legal Ombudsman</h2>
<p>If we have not resolved your complaint to your satisfaction within 8 weeks, you can ask the Legal Ombudsman to look at it. You must contact the Ombudsman within six months of our final written response, and no more than one year after the problem happened or one year after you should reasonably have known about it.</p>
<ul>
  <li>Legal Ombudsman, PO Box 6167, Slough, SL1 0EH</li>
  <li>Telephone: 0300 555 0333</li>
  <li>Email: enquiries@legalombudsman.org.uk</li>
</ul>

<h2>4. Complaints about our bill</h2>
<p>If your complaint is about our bill, you may also have the right to object to it by applying to the court for an assessment under Part III of the Solicitors Act 1974. The Legal Ombudsman may not deal with a complaint about a bill if you have already applied to the court for assessment.</p>

<h2>5. Concerns about our conduct</h2>
<p>The Solicitors Regulation Authority (SRA) can help if you are concerned about our behaviour. This could be for things like dishonesty, taking or losing your money, or treating you unfairly because of your age, a disability or another characteristic. You can raise such concerns with the SRA at any time.</p>

<h2>6. Help with making a complaint</h2>
<p>If you would like this procedure in large print or in another language, or you would like someone to help you make your complaint, please let us know. We can arrange a free interpreter.</p>

<h2>7. Contacting us</h2>
<table>
  <thead>
    <tr><th>Day</th><th>Office hours</th></tr>
  </thead>
  <tbody>
    <tr><td>Monday to Thursday</td><td>9:00am to 5:30pm</td></tr>
    <tr><td>Friday</td><td>9:00am to 5:00pm</td></tr>
    <tr><td>Saturday</td><td>First Saturday of the month only, 9:30am to 12:30pm, by appointment</td></tr>
    <tr><td>Sunday</td><td>Closed</td></tr>
  </tbody>
</table>
</main>

<footer>
<p>Orrin &amp; Vale Solicitors LLP · 14 Coldharbour Street, Marlbridge, MB3 7QT · Tel 01632 960 418 · enquiries@orrinvale.co.uk</p>
<p>Authorised and regulated by the Solicitors Regulation Authority (SRA No. 648213).</p>
</footer>
</body>
</html>
"""

# ---------------------------------------------------------------------------
# 5. Staff expenses policy (Markdown)
# ---------------------------------------------------------------------------
MD = """# Staff Expenses Policy

**Orrin & Vale Solicitors LLP: internal policy FIN-07**
Version 1.4 · Effective 1 March 2026 · Owner: Gemma Holt, Finance Manager · Next review: March 2027

---

## 1. Purpose and scope

This policy explains which business expenses the firm will repay and how to claim them. It applies to partners, employees, trainees and consultants. Agency workers should claim expenses through their agency, not through the firm.

## 2. General principles

- Claim only costs that you incur wholly, exclusively and necessarily on firm business.
- Choose the cheapest reasonable option, taking account of time and safety.
- If a cost can be recharged to a client, enter the client matter number on your claim so that Accounts can bill it as a disbursement.
- You must not claim the same cost twice, or claim a cost that a client or third party has already paid.

## 3. How to make a claim

1. Record the expense in ExpensePoint, the firm's expenses app, and photograph the receipt.
2. Enter the client matter number if the cost is chargeable to a client; otherwise use internal cost code 9000.
3. Submit the claim within 30 days of the date the cost was incurred.
4. Your line manager approves the claim. Claims over £500 must also be approved by a partner.
5. Finance checks the claim and arranges payment.

Claims approved by the 20th of the month are paid with that month's salary. Claims approved after the 20th are paid in the following month's payroll.

Claims submitted more than 90 days after the expense was incurred will not be paid, except in exceptional circumstances agreed by the Finance Manager.

## 4. Receipts

An itemised VAT receipt is needed for any expense of £10 or more. Card payment slips and bank statements are not receipts.

If you lose a receipt, complete the Lost Receipt Declaration (form EXP-LR) in ExpensePoint. You may use form EXP-LR no more than twice in any 12-month period.

## 5. Travel

### 5.1 Rail

- Travel standard class. Book through the firm's Trainline for Business account at least 7 days ahead where you can.
- First class travel is allowed only for journeys of more than 3 hours each way, and only with a partner's approval in advance.

### 5.2 Using your own vehicle

You can claim mileage for business journeys at these rates:

- Car or van: 45p per mile for the first 10,000 business miles in the tax year, then 25p per mile.
- Bicycle: 20p per mile.
- Passenger supplement: 5p per mile for each colleague you carry on the same business journey.

Your normal commute between home and your usual office cannot be claimed. If you travel straight from home to a client or court, claim only the distance that is greater than your normal commute. You must have business use cover on your car insurance.

### 5.3 Taxis

Taxis may be used only where there is no reasonable public transport, when travelling after 21:00, or when you are carrying heavy files or equipment. Give the reason in your claim.

### 5.4 Parking and tolls

Parking charges and tolls on business journeys are repaid on production of a receipt. Parking fines, speeding penalties and congestion charge penalty notices are never repaid.

## 6. Accommodation and meals

Hotels should be booked through the travel desk (travel@orrinvale.co.uk). The limits below include VAT.

| Item | Limit | When it can be claimed |
|---|---|---|
| Hotel in London | £160 per night | Bed and breakfast |
| Hotel elsewhere in the UK | £110 per night | Bed and breakfast |
| Breakfast (if not included) | £12 | Overnight stays, or leaving home before 6:30am |
| Lunch | £15 | Working more than 5 miles from your usual office for over 5 hours |
| Evening meal | £30 | Overnight stays, or returning home after 20:00 |
| Alcohol | Not repaid | Except as part of approved client entertainment |

## 7. Client entertainment and gifts

- Client entertainment costing more than £75 per head must be approved by a partner before it takes place.
- Record all client entertainment in the Gifts and Hospitality Register within 7 days.
- Gifts to clients must not exceed £50 per gift.
- You must declare in the register any gift you receive that is worth more than £50.

## 8. Other expenses

- **Practising certificates and Law Society membership:** paid directly by the firm. Do not claim them.
- **Other professional subscriptions:** up to £200 a year, with your head of department's approval.
- **Eye tests for display screen equipment (DSE) users:** up to £25 per test, once every two years. Glasses needed only for screen use: up to £60.
- **Home working equipment:** hybrid workers may claim a one-off allowance of up to £150, approved in advance by IT.

## 9. Corporate cards

Corporate cards are issued to partners and team leaders only. Card statements must be reconciled in ExpensePoint by the 5th working day of the following month. Corporate cards must never be used for personal spending.

## 10. Misuse

Making a false or inflated claim is treated as gross misconduct under the Disciplinary Procedure.

---

*Questions about this policy: Finance team, finance@orrinvale.co.uk, extension 2214.*
"""

# ---------------------------------------------------------------------------
# 6. IT acceptable use (plain text)
# ---------------------------------------------------------------------------
TXT = """ORRIN & VALE SOLICITORS LLP
IT ACCEPTABLE USE POLICY
========================

Policy ref: IT-03 | Version 3.1 | Approved by the Management Board on 20 January 2026
Owner: Callum Frayne, IT Manager | Next review: January 2027


1. Scope
--------

1.1  This policy applies to everyone who uses the firm's IT systems, including partners,
     employees, trainees, consultants, contractors and temporary workers.

1.2  "IT systems" means the firm's laptops, desktops, mobile phones, email, the case
     management system (CaseLine), Microsoft 365, the client portal and the office network
     and internet connection.

1.3  Breaking this policy may lead to disciplinary action, up to and including dismissal.


2. Passwords and signing in
---------------------------

2.1  Passwords must be at least 14 characters long. We recommend three random words joined
     with numbers or symbols.

2.2  Never share your password with anyone, including IT staff. IT will never ask you for it.

2.3  Multi-factor authentication (MFA) is mandatory for Microsoft 365, CaseLine and remote
     access. Use the Microsoft Authenticator app on your firm phone.

2.4  You do not have to change your password on a fixed schedule, but you must change it
     immediately if you think it may have been seen or compromised.

2.5  Lock your screen (Windows key + L) whenever you leave your desk. Devices lock
     automatically after 5 minutes without use.


3. Email and messaging
----------------------

3.1  Use your firm email account for all firm business. Do not use personal email accounts
     for client matters.

3.2  Automatic forwarding of firm email to any external or personal account is not allowed
     and is technically blocked.

3.3  WhatsApp, SMS and other consumer messaging apps must not be used to send client
     information or documents. Microsoft Teams is the approved messaging tool.

3.4  Check the recipient's address before sending any email that contains client documents.
     Use the "Send Secure" button for any email containing bank details or identity documents.

3.5  Never send the firm's bank details to a client by email.


4. Internet and personal use
----------------------------

4.1  Reasonable personal use of the internet is allowed during lunch breaks and outside
     working hours, as long as it is lawful and does not interfere with your work.

4.2  You must not visit gambling, adult or file-sharing websites on firm equipment, or stream
     video for personal use during working hours.

4.3  Internet use is logged (see section 9).


5. Devices, storage and remote working
--------------------------------------

5.1  Only firm-issued laptops and phones may be used to open client files. Personal phones may
     be used for Outlook and Teams only through the Intune-managed apps.

5.2  USB storage devices are blocked on all firm laptops. If you need to give files to a
     client on physical media, ask the IT helpdesk for an encrypted USB drive.

5.3  When working away from the office, connect to public Wi-Fi only through the firm's VPN
     (GlobalProtect). Using your firm phone's hotspot is preferred.

5.4  Do not print client documents at home.

5.5  Never leave a firm laptop in an unattended vehicle, even in the boot.

5.6  Only IT may install software. Ask for new software through the IT Service Portal;
     requests are usually decided within 3 working days.


6. Generative AI tools
----------------------

6.1  The only AI tool approved for firm work is Vale Assist, the firm's private Copilot
     service.

6.2  You must never paste or upload client names, client documents or any other confidential
     information into public AI tools, such as free online chatbots.

6.3  Any AI output used in client work must be checked by a qualified fee earner before it is
     sent. You remain responsible for its accuracy.


7. Reporting security incidents
-------------------------------

7.1  Report suspicious emails with the "Report Phish" button in Outlook. Do not click links or
     open attachments. If you have already clicked a link, call the IT helpdesk at once.

7.2  Report a lost or stolen laptop or phone to the IT helpdesk within 1 hour of noticing, on
     extension 2250 (or 01632 960 499 out of hours). IT will wipe the device remotely.

7.3  Any actual or suspected data breach must also be reported to the Data Protection Officer,
     Martin Kessel, on the same working day. The firm has 72 hours to tell the Information
     Commissioner's Office (ICO) where a report is required.


8. Leaving the firm
-------------------

8.1  Return all firm equipment on or before your last working day. Your accounts are disabled
     at 17:30 on your last day.


9. Monitoring
-------------

9.1  The firm monitors the use of its IT systems to protect client data and to meet its legal
     obligations. This includes email filtering and web browsing logs. Logs are kept for
     12 months.


Contact
-------

IT helpdesk: extension 2250 | itsupport@orrinvale.co.uk | Monday to Friday, 8:00am to 6:00pm
Orrin & Vale Solicitors LLP, 14 Coldharbour Street, Marlbridge, MB3 7QT
"""


def main():
    make_pdf()
    make_docx()
    make_pptx()
    with open(os.path.join(OUT, "complaints-procedure.html"), "w", encoding="utf-8") as f:
        f.write(HTML)
    with open(os.path.join(OUT, "staff-expenses-policy.md"), "w", encoding="utf-8") as f:
        f.write(MD)
    with open(os.path.join(OUT, "it-acceptable-use.txt"), "w", encoding="utf-8") as f:
        f.write(TXT)
    for n in sorted(os.listdir(OUT)):
        print(n, os.path.getsize(os.path.join(OUT, n)))


if __name__ == "__main__":
    main()
