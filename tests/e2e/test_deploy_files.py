"""The deployment files (deploy/): compose, Kubernetes, the image, and deploy/local.sh.

No container engine runs here, so the compose file and the manifests are checked for what
matters to the topology (probes, the migration step, scaling, secrets); deploy/local.sh is
run for real against the machine's PostgreSQL and Redis on the PostgreSQL run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

from tests.e2e import as_admin, database_beside_the_suites

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
LOCAL_SH = DEPLOY / "local.sh"
FAIRS = Path(sys.executable).parent / "fairs"


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                doc["_file"] = path.name
                docs.append(doc)
    return docs


def one(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in manifests() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["spec"]["template"]["spec"]["containers"]


# ---- compose -------------------------------------------------------------------------------

def test_compose_runs_migrate_once_before_api_and_workers():
    services = compose()["services"]
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"].startswith("redis:7")
    assert services["migrate"]["command"] == ["fairs", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_compose_scales_api_and_workers_with_health_checks():
    services = compose()["services"]
    api, worker = services["api"], services["worker"]
    assert api["command"][:3] == ["fairs", "serve", "--workers"]
    assert worker["command"] == ["fairs", "worker"]
    assert "replicas" in api["deploy"] and "replicas" in worker["deploy"]
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    assert worker["healthcheck"]["test"] == ["CMD", "fairs", "worker", "--check"]
    # arq refreshes the health key every 15 s (it lives 16 s): the check must be more frequent.
    assert int(worker["healthcheck"]["interval"].removesuffix("s")) < 15
    # Replicas cannot share a host port: only the proxy publishes one.
    assert "ports" not in api and services["proxy"]["ports"]
    assert (DEPLOY / "nginx.conf").read_text().count("proxy_pass $api;") == 1
    assert set(compose()["volumes"]) >= {"pgdata", "fairs-var"}


def test_compose_fairs_services_share_one_image_and_the_env_file():
    services = compose()["services"]
    fairs_services = [s for s in services.values() if s.get("build")]
    assert {s["image"] for s in fairs_services} == {"${FAIRS_IMAGE:-fairs:latest}"}
    assert len(fairs_services) == 3
    for service in fairs_services:
        assert service["build"]["dockerfile"] == "deploy/Containerfile"
        assert service["env_file"] == ".env"
        env = service["environment"]
        assert env["FAIRS_ENV"] == "production"
        assert env["FAIRS_SECRET_KEY"].startswith("${FAIRS_SECRET_KEY:?")
        assert env["FAIRS_DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["FAIRS_DATABASE_URL"]
        assert env["FAIRS_REDIS_URL"] == "redis://redis:6379/0"


def test_env_example_documents_the_settings_and_the_real_env_is_ignored():
    example = (DEPLOY / "env.example").read_text()
    values = dict(re.findall(r"^([A-Z_]+)=(.*)$", example, re.M))
    assert values["FAIRS_SECRET_KEY"] == "" and values["POSTGRES_PASSWORD"] == ""
    settings = (ROOT / "fairs" / "settings.py").read_text()
    known = {f"FAIRS_{name}" for name in re.findall(r'get\("([A-Z_]+)"', settings)}
    assert {k for k in values if k.startswith("FAIRS_")} - {"FAIRS_PUBLISH", "FAIRS_IMAGE"} <= known
    assert {"API_REPLICAS", "API_PROCESSES", "WORKER_REPLICAS"} <= set(values)
    assert "deploy/.env" in (ROOT / ".gitignore").read_text().split()
    assert "deploy/.env" in (ROOT / ".dockerignore").read_text().split()


# ---- the image ---------------------------------------------------------------------------

def test_containerfile_is_one_non_root_image_for_every_role():
    text = (DEPLOY / "Containerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert "tzdata" in text
    assert "pip install ." in text
    assert re.search(r"^HEALTHCHECK .*\n.*?/healthz", text, re.M)
    assert 'CMD ["fairs", "serve", "--workers", "2"]' in text
    # The user id the Kubernetes securityContext asks for is the image's.
    for doc in manifests():
        if doc["kind"] in ("Deployment", "Job"):
            context = doc["spec"]["template"]["spec"]["securityContext"]
            assert context["runAsNonRoot"] is True and context["runAsUser"] == 10001, doc["_file"]


# ---- Kubernetes --------------------------------------------------------------------------

def test_every_manifest_is_applied_by_the_kustomization_except_the_example_secret():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files - {"secret.example.yaml"}
    for doc in manifests():
        assert {"apiVersion", "kind", "metadata"} <= set(doc), doc["_file"]


def test_api_probes_readiness_on_readyz_and_liveness_on_healthz():
    api = one("Deployment", "fairs-api")
    (container,) = containers(api)
    assert container["command"][:3] == ["fairs", "serve", "--workers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8000}
    service = one("Service", "fairs-api")
    assert service["spec"]["selector"] == api["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_worker_probes_run_fairs_worker_check():
    (container,) = containers(one("Deployment", "fairs-worker"))
    assert container["command"] == ["fairs", "worker"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["exec"]["command"] == ["fairs", "worker", "--check"]
        assert container[probe]["timeoutSeconds"] >= 5  # the check imports the app: seconds, not ms


def test_migration_job_and_hpa_on_the_worker_deployment():
    job = one("Job", "fairs-migrate")
    (container,) = containers(job)
    assert container["command"] == ["fairs", "migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")
    hpa = one("HorizontalPodAutoscaler", "fairs-worker")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "fairs-worker")
    assert "replicas" not in one("Deployment", "fairs-worker")["spec"]  # the HPA owns the count
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_every_container_has_one_image_resources_and_the_config():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    image_names = {i["name"] for i in kustomization["images"]}
    workloads = [d for d in manifests() if d["kind"] in ("Deployment", "Job")]
    assert {d["metadata"]["name"] for d in workloads} == {"fairs-api", "fairs-worker", "fairs-migrate"}
    for doc in workloads:
        for container in containers(doc):
            assert container["image"] in image_names, doc["_file"]
            assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
            assert container["resources"]["limits"]["memory"], doc["_file"]
            sources = {next(iter(s.values()))["name"] for s in container["envFrom"]}
            assert sources == {"fairs-config", "fairs-secrets"}, doc["_file"]


def test_no_secret_in_the_config_map_and_placeholders_in_the_secret():
    data = one("ConfigMap", "fairs-config")["data"]
    for key, value in data.items():
        assert not re.search(r"SECRET|PASSWORD|TOKEN|DATABASE_URL", key), key
        assert not re.search(r"://[^/@\s]*:[^/@\s]*@", str(value)), f"{key} has a password in its URL"
    secret = one("Secret", "fairs-secrets")
    assert secret["_file"] == "secret.example.yaml"
    assert {"FAIRS_SECRET_KEY", "FAIRS_DATABASE_URL"} <= set(secret["stringData"])
    assert "CHANGE-ME" in secret["stringData"]["FAIRS_SECRET_KEY"]
    assert not set(data) & set(secret["stringData"])


# ---- deploy/local.sh ----------------------------------------------------------------------

def test_local_sh_is_valid_bash():
    done = subprocess.run(["bash", "-n", str(LOCAL_SH)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    assert os.access(LOCAL_SH, os.X_OK)


def local_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
    env.update({"FAIRS": str(FAIRS), "LOCAL_DIR": str(tmp_path / "local"), **extra})
    return env


def test_local_sh_stops_with_a_clear_message_when_postgresql_is_unreachable(tmp_path):
    env = local_env(tmp_path, FAIRS_DATABASE_URL="postgresql://postgres@127.0.0.1:9/none",
                    FAIRS_PORT=str(_free_port()))
    done = subprocess.run([str(LOCAL_SH), "start"], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 3, done.stderr
    assert "PostgreSQL at 127.0.0.1:9/none is unreachable" in done.stderr
    assert not list((tmp_path / "local").glob("*.pid"))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.postgres
def test_local_sh_starts_the_topology_on_the_machine_services_and_stops_it(tmp_path):
    import redis

    database = "fairs_local_test"
    database_url = database_beside_the_suites(database)
    redis_base = urlsplit(os.environ.get("FAIRS_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0")
    redis_url = urlunsplit(redis_base._replace(path="/13"))  # the suite uses db 0

    drop = f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
    as_admin(drop)  # local.sh creates it
    queue = redis.Redis.from_url(redis_url)
    queue.flushdb()
    port = _free_port()
    env = local_env(tmp_path, FAIRS_DATABASE_URL=database_url, FAIRS_REDIS_URL=redis_url, FAIRS_PORT=str(port),
                    FAIRS_ENV="test", FAIRS_SECRET_KEY="local-sh-test-secret-key-0123456789abcdef",
                    API_PROCESSES="2", WORKERS="2", READY_TIMEOUT="35", STOP_GRACE="10", FAIRS_DB_POOL_SIZE="2")
    run_dir = tmp_path / "local"
    try:
        done = subprocess.run([str(LOCAL_SH), "start"], env=env, capture_output=True, text=True, timeout=45)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"fairs: ready at http://127.0.0.1:{port}/ (2 API processes, 2 workers)" in done.stdout
        assert "created database fairs_local_test" in done.stderr
        pids = {p.stem: int(p.read_text()) for p in run_dir.glob("*.pid")}
        assert set(pids) == {"api", "worker-1", "worker-2"}
        assert all(_group_alive(pid) for pid in pids.values())
        assert re.search(r"^api +pids \d+ \(\d+", done.stdout, re.M)  # the supervisor and its processes

        status, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200, body
        assert body["checks"]["migrations"] == {"ok": True, "pending": []}

        # Each worker has its own health-check key (FAIRS_WORKER_ID local-1, local-2).
        deadline = time.monotonic() + 10
        keys: list[bytes] = []
        while time.monotonic() < deadline:
            keys = queue.keys("arq:health-check:*")
            if len(keys) == 2:
                break
            time.sleep(0.5)
        assert sorted(k.decode()[-len("local-1"):] for k in keys) == ["local-1", "local-2"], keys

        again = subprocess.run([str(LOCAL_SH), "start"], env=env, capture_output=True, text=True, timeout=15)
        assert again.returncode == 1 and "already running" in again.stderr

        check = subprocess.run([str(FAIRS), "worker", "--check"], capture_output=True, text=True, timeout=15,
                               env={**env, "FAIRS_WORKER_ID": "local-1"})
        assert check.returncode == 0, check.stderr
    finally:
        stop = subprocess.run([str(LOCAL_SH), "stop"], env=env, capture_output=True, text=True, timeout=20)
        as_admin(drop)
        queue.flushdb()
        queue.close()
    assert stop.returncode == 0, stop.stderr
    assert "stopped 3 process group(s)" in stop.stderr
    assert not any(_group_alive(pid) for pid in pids.values())
    assert not list(run_dir.glob("*.pid"))
