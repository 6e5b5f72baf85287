"""Column mappings: how the rows of someone's lead CSV become Handoff leads and outcomes.

A mapping file (JSON, or TOML when its name ends in ``.toml``) names, for each field of
Handoff's lead model (``contact.email``, ``attribution.channel``, ``behaviour.visits``,
``extra.<name>`` ...), the CSV column it comes from and how the value is translated; which
column holds the recorded outcome; how leads are grouped into campaigns and what each
campaign is assumed to have cost. ``deploy/demo/mappings/x_education.json`` is the mapping
of the X Education data set and the reference for the format (README, *Try the demo*).

Everything is checked before a single lead is sent: an unknown target field, an unknown
transform or a column the CSV does not have is a :class:`MappingError` naming each problem.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import json
import re
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.events import Lead

DEFAULT_MAPPING = Path(__file__).with_name("mappings") / "x_education.json"
TRUE_WORDS = frozenset({"1", "1.0", "true", "yes", "y"})
Scalar = str | int | float | bool
Kind = Literal["str", "int", "float", "bool"]


class MappingError(Exception):
    """A mapping file that cannot be used; ``problems`` names each bad entry."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"bad mapping {source}: " + "; ".join(problems))
        self.problems = problems


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Spec):
    """One lead field: from ``column`` (translated) or a constant ``value``."""

    column: str | None = None
    value: Scalar | None = None
    transform: Literal["strip", "lower", "upper", "slug"] = "strip"
    map: dict[str, str] | None = Field(
        default=None, description="lower-cased value -> field value; '' drops the field"
    )
    default: str | None = Field(default=None, description="for values the map lacks")
    true: tuple[str, ...] | None = Field(default=None, description="bool: these mean true")
    false: tuple[str, ...] | None = Field(default=None, description="bool: these mean false")

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of column or value")
        if self.true is not None and self.false is not None:
            raise ValueError("give true or false values, not both")
        return self


class OutcomeSpec(_Spec):
    """The recorded outcome: ``column`` holding one of ``won`` means the lead became a customer."""

    column: str
    won: tuple[str, ...] = ("1", "1.0", "yes", "true")
    deal_amount: Decimal = Field(default=Decimal(0), ge=0, description="revenue of each win")
    amount_column: str | None = Field(default=None, description="revenue per row, if recorded")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")


class CampaignSpec(_Spec):
    """One campaign per value of a lead field, with an assumed cost per lead."""

    by: str = "attribution.channel"
    name: str = "{value}"
    offer: str | None = None
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    cost_per_lead: dict[str, Decimal] = {}
    default_cost_per_lead: Decimal = Field(default=Decimal(10), ge=0)
    note: str | None = Field(default=None, description="where the cost figures come from")


class MappingFile(_Spec):
    id_column: str | None = Field(default=None, description="a stable id per row")
    email_domain: str = Field(default="leads.example", pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")
    missing: tuple[str, ...] = ("",)
    fields: dict[str, FieldSpec]
    outcome: OutcomeSpec
    campaigns: CampaignSpec = CampaignSpec()
    scoring_rules: str | None = Field(default=None, description="rule set file, relative")
    description: str | None = None


def _kind(annotation: Any) -> Kind | None:
    """The scalar kind of a lead field's annotation (``int | None`` -> ``int``)."""
    options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else ()
    for candidate in (*options, annotation):
        for kind, python_type in (("bool", bool), ("int", int), ("float", float), ("str", str)):
            if candidate is python_type:
                return kind  # type: ignore[return-value]
    return None


def lead_targets() -> dict[str, Kind]:
    """Every scalar field of the lead model a mapping may fill, with its kind."""
    targets: dict[str, Kind] = {}
    for part, info in Lead.model_fields.items():
        model = info.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for name, field in model.model_fields.items():
            kind = _kind(field.annotation)
            if kind is not None:
                targets[f"{part}.{name}"] = kind
    return targets


_TARGETS = lead_targets()
_EXTRA = re.compile(r"^extra\.[a-z][a-z0-9_]{0,63}$")


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


class ColumnMapping:
    """A checked mapping, ready to turn rows into lead bodies and outcomes."""

    def __init__(self, spec: MappingFile, source: Path) -> None:
        self.spec = spec
        self.source = source
        problems = [p for p in self._target_problems()]
        if problems:
            raise MappingError(str(source), problems)
        self._missing = tuple(m.lower() for m in spec.missing)

    def _target_problems(self) -> Iterable[str]:
        known = ", ".join(sorted(_TARGETS))
        for target, field in self.spec.fields.items():
            if target not in _TARGETS and not _EXTRA.match(target):
                yield f"unknown target field {target!r} (known: {known}, or extra.<name>)"
                continue
            kind = _TARGETS.get(target, "str")
            if (field.true or field.false) and kind != "bool":
                yield f"{target}: true/false lists are for yes/no fields only"
        campaign_by = self.spec.campaigns.by
        if campaign_by not in self.spec.fields:
            yield f"campaigns.by: {campaign_by!r} is not one of the mapped fields"
        if self.spec.scoring_rules and not self.scoring_rules_path().is_file():
            yield f"scoring_rules: no file {self.spec.scoring_rules}"

    @property
    def columns(self) -> set[str]:
        """Every CSV column the mapping reads."""
        named = {f.column for f in self.spec.fields.values() if f.column is not None}
        named |= {self.spec.outcome.column}
        named |= {c for c in (self.spec.id_column, self.spec.outcome.amount_column) if c}
        return named

    def check_columns(self, header: Iterable[str]) -> None:
        """Raise MappingError naming each column the mapping reads that the CSV lacks."""
        have = [h for h in header if h]
        problems = []
        for column in sorted(self.columns - set(have)):
            close = difflib.get_close_matches(column, have, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown column {column!r}: the CSV has no such column{hint}")
        if problems:
            raise MappingError(str(self.source), problems)

    def scoring_rules_path(self) -> Path:
        assert self.spec.scoring_rules is not None
        return (self.source.parent / self.spec.scoring_rules).resolve()

    def given(self, value: str | None) -> str | None:
        """The value, or None when it means "not given" (by the mapping's ``missing`` list)."""
        text = (value or "").strip()
        lowered = text.lower()
        if any(fnmatch.fnmatchcase(lowered, pattern) for pattern in self._missing):
            return None
        return text

    def row_key(self, row: Mapping[str, str]) -> str:
        """A stable key of the row: its id column, else a hash of the whole row."""
        if self.spec.id_column:
            given = self.given(row.get(self.spec.id_column))
            if given:
                return given
        return hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()[:32]

    def _value(self, target: str, field: FieldSpec, row: Mapping[str, str]) -> Scalar | None:
        kind = _TARGETS.get(target, "str")
        if field.value is not None:
            return field.value
        assert field.column is not None
        raw = (row.get(field.column) or "").strip()
        if kind == "bool":
            if field.true is not None:
                return raw.lower() in {t.lower() for t in field.true}
            if field.false is not None:
                return raw.lower() not in {f.lower() for f in field.false}
            return raw.lower() in TRUE_WORDS
        text = self.given(raw)
        if text is None:
            return None
        if field.transform == "lower":
            text = text.lower()
        elif field.transform == "upper":
            text = text.upper()
        elif field.transform == "slug":
            text = slug(text)
        if field.map is not None:
            mapped = field.map.get(text.lower(), field.default)
            text = mapped if mapped else ""
        if not text:
            return None
        if kind in ("int", "float"):
            try:
                number = float(text)
            except ValueError:
                return None
            return int(number) if kind == "int" else number
        return text

    def to_lead(self, row: Mapping[str, str], *, email_tag: str = "") -> dict[str, Any]:
        """The body of ``POST /v1/leads`` for one row.

        Without a mapped e-mail column each row gets an address of its own
        (``lead-<row key><tag>@<email_domain>``), so no two rows are taken for one person.
        """
        lead: dict[str, Any] = {}
        for target, field in self.spec.fields.items():
            value = self._value(target, field, row)
            if value is None:
                continue
            part, name = target.split(".", 1)
            lead.setdefault(part, {})[name] = value
        contact = lead.setdefault("contact", {})
        if "email" not in contact:
            contact["email"] = f"lead-{slug(self.row_key(row))}{email_tag}@{self.spec.email_domain}"
        return lead

    def converted(self, row: Mapping[str, str]) -> bool:
        won = {w.lower() for w in self.spec.outcome.won}
        return (row.get(self.spec.outcome.column) or "").strip().lower() in won

    def deal_amount(self, row: Mapping[str, str]) -> Decimal:
        column = self.spec.outcome.amount_column
        if column:
            try:
                return Decimal(self.given(row.get(column)) or "x").quantize(Decimal("0.01"))
            except ArithmeticError:
                pass
        return self.spec.outcome.deal_amount

    def campaign_value(self, lead: Mapping[str, Any]) -> str:
        """The value of the campaign field in a lead body (``unknown`` when absent)."""
        part, name = self.spec.campaigns.by.split(".", 1)
        value = lead.get(part, {}).get(name)
        return str(value) if value not in (None, "") else "unknown"

    def cost_per_lead(self, value: str) -> Decimal:
        spec = self.spec.campaigns
        return spec.cost_per_lead.get(value, spec.default_cost_per_lead)


def _parse(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".toml":
        return tomllib.loads(text)
    return json.loads(text)


def load_mapping(path: Path) -> ColumnMapping:
    """Read and check a mapping file; MappingError names every problem found."""
    try:
        raw = _parse(path)
    except OSError as exc:
        raise MappingError(str(path), [f"cannot read it: {exc.strerror}"]) from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        raise MappingError(str(path), [f"not valid {kind}: {exc}"]) from None
    try:
        spec = MappingFile.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise MappingError(str(path), problems) from None
    return ColumnMapping(spec, path)
