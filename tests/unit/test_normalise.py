import pytest
from pydantic import ValidationError

from services.intake.normalise import normalise
from services.intake.schemas import LeadIn


def test_email_is_lower_cased_and_a_business_domain_becomes_the_company_domain() -> None:
    lead = normalise(LeadIn.model_validate({"contact": {"email": " Ada@Acme.IO "}}))
    assert lead.contact.email == "ada@acme.io"
    assert lead.company.domain == "acme.io"


def test_free_mail_gives_no_company_domain() -> None:
    lead = normalise(LeadIn.model_validate({"contact": {"email": "ada@gmail.com"}}))
    assert lead.company.domain is None


def test_a_given_domain_wins_over_the_email() -> None:
    body = {"contact": {"email": "ada@gmail.com"}, "company": {"domain": "Acme.IO"}}
    assert normalise(LeadIn.model_validate(body)).company.domain == "acme.io"


def test_country_code_is_upper_cased() -> None:
    body = {"contact": {"email": "a@b.co"}, "company": {"country": "gb"}}
    assert normalise(LeadIn.model_validate(body)).company.country == "GB"


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        LeadIn.model_validate(
            {"contact": {"email": "not-an-email"}, "company": {"country": "Britain"}, "x": 1}
        )
    named = {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}
    assert named == {"contact.email", "company.country", "x"}
