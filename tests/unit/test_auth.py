from shared.auth import Principal, bootstrap_principal, hash_key, new_key
from shared.events import Scope

ANN = Principal("k1", "crm", frozenset({Scope.SALES}))


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
