from tests.shop.conftest import config, sample_db, store  # noqa: F401  (the real sample shop)
