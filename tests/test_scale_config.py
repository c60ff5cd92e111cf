"""kefu.scale without engines: the Rasa endpoint variables come from the two URLs, and
endpoints.scale.yml reads nothing that `kefu scale` does not set. (Real PostgreSQL,
Redis, nginx and two replicas: tests/scale/.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kefu.scale import NGINX_CONF, SCALE_ENDPOINTS, ScaleStack, endpoint_environment
from kefu.settings import PROJECT_ROOT, Settings
from kefu.stack import StackError, service_environment

URL = "postgresql://kefu:s3cr%40t@db.internal:6543/shopdb"


def test_endpoint_variables_from_the_two_urls() -> None:
    env = endpoint_environment(URL, "redis://127.0.0.1:6390/3")
    assert env == {
        "KEFU_TRACKER_HOST": "db.internal", "KEFU_TRACKER_PORT": "6543", "KEFU_TRACKER_DBNAME": "shopdb",
        "KEFU_TRACKER_USER": "kefu", "KEFU_TRACKER_PASSWORD": "s3cr@t",
        "KEFU_REDIS_HOST": "127.0.0.1", "KEFU_REDIS_PORT": "6390", "KEFU_REDIS_DB": "3",
    }


def test_every_variable_of_the_scale_endpoints_is_set(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / SCALE_ENDPOINTS).read_text()
    wanted = set(re.findall(r"\$\{(\w+)\}", text))
    settings = Settings.from_env({"KEFU_STATE_DIR": str(tmp_path)})
    provided = set(service_environment(settings)) | set(endpoint_environment(URL, "redis://h:1/1"))
    from kefu.servers.auth import TOKEN_ENV

    provided.add(TOKEN_ENV)  # set in Rasa's own process by kefu_rasa.launch (and by the scale stack)
    assert wanted and wanted <= provided, f"not set by kefu scale: {sorted(wanted - provided)}"


def test_bad_urls_and_replica_counts_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="redis://"):
        endpoint_environment(URL, "http://127.0.0.1:6379")
    with pytest.raises(StackError, match="at least 1"):
        ScaleStack(Settings.from_env({"KEFU_STATE_DIR": str(tmp_path)}), replicas=0)
    with pytest.raises(ValueError, match="KEFU_DATABASE_URL"):
        Settings.from_env({"KEFU_DATABASE_URL": "sqlite:///x.db"})


def test_balancer_retries_a_dead_replica_without_keepalive() -> None:
    conf = NGINX_CONF.format(prefix="/p", servers="server 127.0.0.1:1;", host="127.0.0.1", port=2)
    assert "proxy_next_upstream error timeout" in conf and "keepalive" not in conf.split("location")[0]
    assert "non_idempotent" not in conf  # a message already sent to a replica is never sent twice


def test_kefu_scale_refuses_bad_arguments_in_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, KEFU_STATE_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "kefu", "scale", "--replicas", "0"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "replicas must be at least 1" in result.stderr and "Traceback" not in result.stderr
