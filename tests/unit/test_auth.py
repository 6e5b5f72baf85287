from shared.auth import Principal, RecentKeys, bootstrap_principal, hash_key, new_key
from shared.events import Scope

ANN = Principal("k1", "crm", frozenset({Scope.SALES}))


def test_a_valid_key_is_remembered_only_for_its_ttl() -> None:
    recent = RecentKeys(ttl=5)
    recent.put("hk_a", ANN, now=100.0)
    assert recent.get("hk_a", now=104.9) == ANN
    assert recent.get("hk_a", now=105.1) is None  # a revocation is seen within the ttl
    assert recent.get("hk_b", now=101.0) is None


def test_the_memory_stays_bounded() -> None:
    recent = RecentKeys(ttl=5, size=3)
    for i in range(10):
        recent.put(f"hk_{i}", ANN, now=100.0)
    assert recent.get("hk_9", now=101.0) == ANN
    assert sum(recent.get(f"hk_{i}", now=101.0) is not None for i in range(10)) <= 3


def test_keys_are_random_and_only_their_hash_is_kept() -> None:
    (id_a, key_a), (id_b, key_b) = new_key(), new_key()
    assert id_a != id_b and key_a != key_b and key_a.startswith(f"hk_{id_a}_")
    assert len(hash_key(key_a)) == 64 and key_a not in hash_key(key_a)


def test_the_bootstrap_key_is_an_admin_and_nothing_else_is() -> None:
    admin = bootstrap_principal("hk_local_secret", "hk_local_secret")
    assert admin is not None and admin.allows(Scope.INGEST)
    assert bootstrap_principal("hk_other", "hk_local_secret") is None
    assert bootstrap_principal("hk_other", None) is None
    assert not ANN.allows(Scope.MARKETING) and ANN.allows(Scope.SALES)
