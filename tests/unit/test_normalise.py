import pytest
from pydantic import ValidationError

from services.intake.fields import normalise_country, normalise_email, normalise_phone
from services.intake.normalise import normalise, normalise_form
from services.intake.schemas import FormConfig, LeadIn
from shared.errors import InvalidInput


def lead(**body: object) -> LeadIn:
    return LeadIn.model_validate({"contact": {"email": "a@b.co"}, **body})


def test_email_is_lower_cased_and_a_business_domain_becomes_the_company_domain() -> None:
    result = normalise(LeadIn.model_validate({"contact": {"email": " Ada@Acme.IO "}}))
    assert result.contact.email == "ada@acme.io"
    assert result.company.domain == "acme.io"


def test_free_mail_gives_no_company_domain() -> None:
    result = normalise(LeadIn.model_validate({"contact": {"email": "ada@gmail.com"}}))
    assert result.company.domain is None


def test_a_given_domain_wins_over_the_email() -> None:
    body = {"contact": {"email": "ada@gmail.com"}, "company": {"domain": "www.Acme.IO"}}
    assert normalise(LeadIn.model_validate(body)).company.domain == "acme.io"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("gb", "GB"), ("GBR", "GB"), ("United Kingdom", "GB"), ("UK", "GB"), ("germany", "DE")],
)
def test_country_codes_and_names_become_iso_3166_alpha_2(raw: str, code: str) -> None:
    assert normalise_country(raw) == code


def test_an_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown country 'Atlantis'"):
        normalise_country("Atlantis")


def test_phone_numbers_become_e164_using_the_country() -> None:
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalise_phone("+1 (415) 555-2671", None) == "+14155552671"
    assert normalise_phone("12345", "GB") == "12345"  # kept as given when not valid
    with pytest.raises(ValueError):
        normalise_phone("call me", None)


def test_email_syntax_is_checked() -> None:
    with pytest.raises(ValueError):
        normalise_email("ada@@example")


def test_unknown_top_level_fields_are_kept_as_custom_fields() -> None:
    result = normalise(lead(occupation="Student", newsletter=True))
    assert result.extra == {"occupation": "Student", "newsletter": True}


def test_fields_handoff_owns_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        lead(score=99, owner="me", nested={"a": 1})
    messages = {e["loc"][0]: e["msg"] for e in caught.value.errors()}
    assert messages == {
        "score": "set by Handoff, not by clients",
        "owner": "set by Handoff, not by clients",
        "nested": "custom fields take a single value",
    }


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        LeadIn.model_validate(
            {
                "contact": {"email": "not-an-email", "phone": "no"},
                "company": {"country": "Xx", "size": -1},
                "status": "won",
            }
        )
    named = {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}
    assert named == {
        "contact.email",
        "contact.phone",
        "company.country",
        "company.size",
        "status",
    }


def test_a_typo_inside_a_known_section_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        LeadIn.model_validate({"contact": {"email": "a@b.co", "emial": "x"}})
    assert caught.value.errors()[0]["loc"] == ("contact", "emial")


FORM = FormConfig.model_validate(
    {
        "id": "spring-demo",
        "name": "Spring demo",
        "allowed_origins": ["https://www.example.com"],
        "fields": [
            {
                "name": "email",
                "label": "Work e-mail",
                "lead_field": "contact.email",
                "required": True,
            },
            {"name": "company", "label": "Company", "lead_field": "company.name"},
            {"name": "country", "label": "Country", "lead_field": "company.country"},
            {"name": "occupation", "label": "Occupation"},
        ],
        "form_type": "demo_request",
        "campaign_id": "spring",
        "thank_you_url": "https://www.example.com/thanks",
    }
)


def test_a_form_submission_maps_fields_and_keeps_custom_answers() -> None:
    result = normalise_form(
        FORM,
        {
            "email": "Ada@Acme.io",
            "company": "Acme",
            "country": "France",
            "occupation": "Engineer",
            "utm_source": "newsletter",
        },
    )
    assert result.contact.email == "ada@acme.io"
    assert (result.company.name, result.company.country) == ("Acme", "FR")
    assert result.extra == {"occupation": "Engineer"}
    assert result.attribution.campaign_id == "spring"
    assert result.attribution.utm_source == "newsletter"
    assert result.interest.form_type == "demo_request"


def test_form_errors_are_named_by_the_inputs_a_person_sees() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_form(FORM, {"email": "nope", "country": "Narnia"})
    assert {f.field for f in caught.value.fields} == {"email", "country"}
    with pytest.raises(InvalidInput) as caught:
        normalise_form(FORM, {"company": "Acme"})
    assert [(f.field, f.message) for f in caught.value.fields] == [
        ("email", "Work e-mail is required")
    ]


def test_a_form_must_map_exactly_one_email_field() -> None:
    raw = FORM.model_dump(mode="json")
    raw["fields"] = raw["fields"][1:]
    with pytest.raises(ValidationError, match=r"exactly one field must map to contact\.email"):
        FormConfig.model_validate(raw)
