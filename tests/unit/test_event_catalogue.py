import re

from shared.events import registry
from shared.events.topics import DLQ_SUFFIX, TOPICS, dlq_topic


def test_every_event_type_is_versioned_and_published_on_a_known_topic() -> None:
    names = {t.name for t in TOPICS}
    types = registry()
    assert len(types) >= 10
    for event_type, model in types.items():
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+\.v\d+", event_type), event_type
        assert model.event_type == event_type
        assert model.topic in names
        model.model_json_schema()  # every model has a publishable JSON Schema


def test_every_topic_of_the_design_has_an_event_and_a_dead_letter_topic() -> None:
    names = {t.name for t in TOPICS}
    design = {
        "leads.captured",
        "leads.scored",
        "leads.routed",
        "leads.sla",
        "sales.outcomes",
        "marketing.campaigns",
        "marketing.lead_quality",
        "leads.erased",
        "auth.api_keys",
    }
    assert design <= names
    assert {m.topic for m in registry().values()} == design
    for topic in design:
        assert dlq_topic(topic) in names
        assert dlq_topic(topic).endswith(DLQ_SUFFIX)
