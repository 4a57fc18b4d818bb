"""TLS: a throwaway CA, server and client certificates made with the ``openssl`` command
line at test time; connections with ``redis-cli --tls`` and redis-py ``ssl=True``."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess

import pytest
import redis

from support.servers import ServerProcess, free_port

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def _run(*args: str, cwd) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
         "-days", "2", "-subj", "/CN=Vermilion Test CA", cwd=d)
    for name, cn in (("server", "localhost"), ("client", "client"), ("other", "other")):
        _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", f"/CN={cn}", cwd=d)
    for name in ("server", "client"):
        _run("openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", cwd=d)
    # "other" is self-signed: not from our CA
    _run("openssl", "x509", "-req", "-in", "other.csr", "-signkey", "other.key", "-out", "other.crt",
         "-days", "2", cwd=d)
    # an encrypted server key (tls-key-file-pass)
    _run("openssl", "rsa", "-in", "server.key", "-aes256", "-passout", "pass:s3cret", "-out", "server-enc.key",
         cwd=d)
    return d


def _tls_args(certs, tls_port: int, *extra: str, key: str = "server.key") -> list[str]:
    return ["--tls-port", str(tls_port), "--tls-cert-file", str(certs / "server.crt"),
            "--tls-key-file", str(certs / key), "--tls-ca-cert-file", str(certs / "ca.crt"), *extra]


@pytest.fixture(scope="module")
def tls_server(certs):
    tls_port = free_port()
    srv = ServerProcess("vermilion", _tls_args(certs, tls_port))
    srv.tls_port = tls_port
    yield srv
    srv.stop()


def _cli(certs, port: int, *cmd: str, cert: bool = True, name: str = "client") -> subprocess.CompletedProcess:
    args = ["redis-cli", "-p", str(port), "--tls", "--cacert", str(certs / "ca.crt")]
    if cert:
        args += ["--cert", str(certs / f"{name}.crt"), "--key", str(certs / f"{name}.key")]
    return subprocess.run(args + list(cmd), capture_output=True, text=True, timeout=20)


def _py(certs, port: int, cert: bool = True, protocol: int = 2, **kw) -> redis.Redis:
    if cert:
        kw.update(ssl_certfile=str(certs / "client.crt"), ssl_keyfile=str(certs / "client.key"))
    return redis.Redis(port=port, ssl=True, ssl_ca_certs=str(certs / "ca.crt"), ssl_check_hostname=False,
                       protocol=protocol, socket_timeout=10, **kw)


def test_redis_cli_with_client_certificate(certs, tls_server):
    out = _cli(certs, tls_server.tls_port, "SET", "tls:k", "v")
    assert out.stdout.strip() == "OK", out
    out = _cli(certs, tls_server.tls_port, "GET", "tls:k")
    assert out.stdout.strip() == "v"


def test_redis_cli_without_client_certificate_is_refused(certs, tls_server):
    out = _cli(certs, tls_server.tls_port, "PING", cert=False)
    assert "PONG" not in out.stdout


def test_redis_cli_with_foreign_certificate_is_refused(certs, tls_server):
    out = _cli(certs, tls_server.tls_port, "PING", name="other")
    assert "PONG" not in out.stdout


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_ssl(certs, tls_server, protocol):
    c = _py(certs, tls_server.tls_port, protocol=protocol)
    assert c.ping()
    c.set("tls:py", "x" * 100000)  # larger than one TLS record
    assert c.get("tls:py") == b"x" * 100000
    pipe = c.pipeline()
    for i in range(200):
        pipe.incr("tls:n")
    assert pipe.execute()[-1] >= 200
    c.close()


def test_redis_py_without_certificate_fails(certs, tls_server):
    c = _py(certs, tls_server.tls_port, cert=False)
    with pytest.raises((redis.ConnectionError, ssl.SSLError, OSError)):
        c.ping()
    c.close()


def test_plain_port_still_serves(tls_server):
    c = redis.Redis(port=tls_server.port)
    assert c.ping()
    c.close()


def test_plaintext_on_tls_port_is_not_served(tls_server):
    c = redis.Redis(port=tls_server.tls_port, socket_timeout=5)
    with pytest.raises((redis.ConnectionError, redis.TimeoutError)):
        c.ping()
    c.close()


def test_auth_clients_optional_and_protocols_and_key_password(certs):
    tls_port = free_port()
    args = _tls_args(certs, tls_port, "--tls-auth-clients", "optional", "--tls-protocols", "TLSv1.3",
                     "--tls-key-file-pass", "s3cret", key="server-enc.key")
    with ServerProcess("vermilion", args) as srv:
        _ = srv
        assert _cli(certs, tls_port, "PING", cert=False).stdout.strip() == "PONG"
        assert _cli(certs, tls_port, "PING").stdout.strip() == "PONG"
        c = _py(certs, tls_port, cert=False)
        assert c.ping()
        c.close()
        # a client limited to TLSv1.2 cannot connect to a TLSv1.3-only server
        ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
        ctx.check_hostname = False
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection(("127.0.0.1", tls_port), timeout=10) as sock:
            with pytest.raises((ssl.SSLError, OSError)):
                ctx.wrap_socket(sock).sendall(b"PING\r\n")


def test_auth_clients_no_needs_no_ca(certs):
    tls_port = free_port()
    args = ["--tls-port", str(tls_port), "--tls-cert-file", str(certs / "server.crt"),
            "--tls-key-file", str(certs / "server.key"), "--tls-auth-clients", "no"]
    with ServerProcess("vermilion", args):
        assert _cli(certs, tls_port, "PING", cert=False).stdout.strip() == "PONG"


@pytest.mark.parametrize("extra,message", [
    (["--tls-cert-file", "/nonexistent.crt"], "Failed to configure TLS"),
    (["--tls-ca-cert-file", ""], "Either tls-ca-cert-file or tls-ca-cert-dir must be specified"),
    (["--tls-protocols", "TLSv9"], "Invalid tls-protocols specified"),
])
def test_bad_tls_config_aborts_startup(certs, extra, message):
    tls_port = free_port()
    srv = ServerProcess("vermilion", _tls_args(certs, tls_port) + extra, wait=False)
    try:
        assert srv.proc.wait(20) == 1
        assert message in srv.read_log()
    finally:
        srv.stop()


def test_config_set_tls_port_and_certificate(certs, tmp_path):
    """CONFIG SET tls-port starts TLS at runtime; a bad certificate is refused with
    Redis's error and the old settings stay; a new key pair is picked up."""
    with ServerProcess("vermilion", []) as srv:
        c = redis.Redis(port=srv.port)
        tls_port = free_port()
        c.config_set("tls-cert-file", str(certs / "server.crt"))
        c.config_set("tls-key-file", str(certs / "server.key"))
        c.config_set("tls-ca-cert-file", str(certs / "ca.crt"))
        c.config_set("tls-port", tls_port)
        from support.servers import wait_for

        wait_for(lambda: _cli(certs, tls_port, "PING").stdout.strip() == "PONG", what="TLS listener")
        with pytest.raises(redis.ResponseError) as e:
            c.config_set("tls-cert-file", "/nonexistent.crt")
        assert "Unable to update TLS configuration. Check server logs." in str(e.value)
        assert c.config_get("tls-cert-file")["tls-cert-file"] == str(certs / "server.crt")
        c.config_set("tls-auth-clients", "no")
        assert _cli(certs, tls_port, "PING", cert=False).stdout.strip() == "PONG"
        c.config_set("tls-port", 0)
        wait_for(lambda: _cli(certs, tls_port, "PING").stdout.strip() != "PONG", what="TLS listener closed")
        assert c.ping()
        c.close()


@pytest.mark.parametrize("primary_kind", ["vermilion", "redis"])
def test_tls_replication(certs, primary_kind):
    """``tls-replication yes``: a Vermilion replica syncs from a primary's TLS port (a
    Vermilion or a real redis-server primary) and follows its writes."""
    from support.servers import wait_for  # noqa: PLC0415

    tls_port = free_port()
    primary = ServerProcess(primary_kind, _tls_args(certs, tls_port))
    try:
        primary_cli = redis.Redis(port=primary.port)
        primary_cli.set("before", "sync")
        replica = ServerProcess("vermilion", ["--tls-replication", "yes", "--replicaof", "127.0.0.1", str(tls_port),
                                              "--tls-cert-file", str(certs / "client.crt"),
                                              "--tls-key-file", str(certs / "client.key"),
                                              "--tls-ca-cert-file", str(certs / "ca.crt")])
        try:
            rcli = redis.Redis(port=replica.port)
            wait_for(lambda: rcli.info("replication").get("master_link_status") == "up", 20, what="link up")
            wait_for(lambda: rcli.get("before") == b"sync", 10, what="the snapshot")
            primary_cli.set("after", "stream")
            wait_for(lambda: rcli.get("after") == b"stream", 10, what="the stream")
            info = redis.Redis(port=primary.port).info("replication")
            assert info["connected_slaves"] == 1
        finally:
            replica.stop()
    finally:
        primary.stop()
