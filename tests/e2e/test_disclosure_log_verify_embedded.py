"""``pdo verify`` (DIS-3): a citizen downloads a record, its proof, signed tree heads and the
public key over public HTTP, then checks them offline; every tampering is caught, and two
signed heads of one size with different roots raise the split-view alarm."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from libs.cli import main
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.disclosure import verify
from services.disclosure.commands.tree_heads import SIGNING_KEY
from services.disclosure.domain.tree_head import signed_bytes
from tests.support.disclosure import (
    fetch,
    public_events,
    publish,
    publish_all,
    read_json,
    signed_size,
    write_json,
)
from tests.support.platform import platform

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Downloads:
    """What a citizen saved from /disclosure, and the platform that served it."""

    p: Platform
    dir: Path
    key: Path
    early_head: Path
    head: Path
    record: Path
    inclusion: Path
    consistency: Path


@pytest.fixture
async def downloads(tmp_path: Path) -> AsyncIterator[Downloads]:
    p = platform(tmp_path / "platform", services=("disclosure",))
    files = tmp_path / "citizen"
    files.mkdir()
    events = public_events()
    async with AsyncTestClient(app=gateway(p)) as client:
        for payload, subject in events[:3]:
            await publish(p, payload, subject=subject)
        early = await signed_size(client, 3)
        envelopes = await publish_all(p, events[3:])
        late = await signed_size(client, len(events))
        record = await fetch(client, f"/disclosure/records/{envelopes[1].event_id}")
        size = late["tree_size"]
        inclusion = await fetch(
            client,
            f"/disclosure/log/proofs/inclusion?index={record['leaf_index']}&tree_size={size}",
        )
        consistency = await fetch(
            client, f"/disclosure/log/proofs/consistency?first={early['tree_size']}&second={size}"
        )
        key = await fetch(client, "/disclosure/log/public-key")
        yield Downloads(
            p=p,
            dir=files,
            key=write_json(files / "public-key.json", key),
            early_head=write_json(files / "sth-early.json", early),
            head=write_json(files / "sth.json", late),
            record=write_json(files / "record.json", record),
            inclusion=write_json(files / "inclusion.json", inclusion),
            consistency=write_json(files / "consistency.json", consistency),
        )


def run(*args: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    code = verify.main([str(a) for a in args], out)
    return code, out.getvalue()


def full(d: Downloads, **swap: Path) -> list[str | Path]:
    files = {
        "key": d.key,
        "early": d.early_head,
        "head": d.head,
        "record": d.record,
        "inclusion": d.inclusion,
        "consistency": d.consistency,
    } | swap
    return [
        "--public-key",
        files["key"],
        "--tree-head",
        files["early"],
        "--tree-head",
        files["head"],
        "--record",
        files["record"],
        "--inclusion",
        files["inclusion"],
        "--consistency",
        files["consistency"],
    ]


async def test_DIS_3_pdo_verify_accepts_genuine_downloads(
    downloads: Downloads, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", *map(str, full(downloads))])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("OK  signature") == 2
    assert "OK  inclusion: record" in out
    assert "OK  consistency" in out
    assert out.strip().endswith("VALID: every check passed")


def test_DIS_3_pdo_verify_runs_as_a_command(downloads: Downloads) -> None:
    d = downloads
    pem = d.dir / "public-key.pem"
    pem.write_text(read_json(d.key)["public_key_pem"], encoding="utf-8")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "libs.cli", "verify", "--public-key", str(pem)),
            *("--tree-head", str(d.head), "--record", str(d.record)),
            *("--inclusion", str(d.inclusion)),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VALID" in done.stdout


def test_DIS_3_a_tampered_record_fails(downloads: Downloads) -> None:
    d = downloads
    record = read_json(d.record)
    record["record"]["content"]["developer_org_id"] = "org-someone-else"
    del record["leaf_hash"]  # even without the file's own hash to compare against
    code, out = run(*full(d, record=write_json(d.dir / "forged.json", record)))
    assert code == verify.FAILED, out
    assert "FAILED" in out and "record" in out


def test_DIS_3_a_tampered_tree_head_fails_its_signature(downloads: Downloads) -> None:
    d = downloads
    head = read_json(d.head)
    root = bytearray.fromhex(head["root_hash"])
    root[0] ^= 1  # one bit of the root flipped
    head["root_hash"] = root.hex()
    code, out = run(*full(d, head=write_json(d.dir / "forged-sth.json", head)))
    assert code == verify.FAILED
    assert "signature" in out and "not valid" in out
    head = read_json(d.head)
    head["tree_size"] += 1
    code, out = run(*full(d, head=write_json(d.dir / "forged-size.json", head)))
    assert code == verify.FAILED


def test_DIS_3_a_corrupted_proof_fails(downloads: Downloads) -> None:
    d = downloads
    proof = read_json(d.inclusion)
    node = bytearray.fromhex(proof["audit_path"][0])
    node[0] ^= 1
    proof["audit_path"][0] = node.hex()
    code, out = run(*full(d, inclusion=write_json(d.dir / "bad-inclusion.json", proof)))
    assert code == verify.FAILED and "not proven" in out

    proof = read_json(d.inclusion)
    proof["leaf_index"] += 1
    del proof["leaf_hash"]
    record = read_json(d.record)
    del record["leaf_index"]
    code, out = run(
        *full(
            d,
            inclusion=write_json(d.dir / "off-by-one.json", proof),
            record=write_json(d.dir / "bare.json", record),
        )
    )
    assert code == verify.FAILED, out

    consistency = read_json(d.consistency)
    consistency["consistency_path"] = consistency["consistency_path"][:-1]
    code, out = run(*full(d, consistency=write_json(d.dir / "short.json", consistency)))
    assert code == verify.FAILED and "append-only" in out

    # Swapping the two heads' roots makes both signatures fail before any proof runs.
    early, late = read_json(d.early_head), read_json(d.head)
    early["root_hash"], late["root_hash"] = late["root_hash"], early["root_hash"]
    code, out = run(
        *full(
            d,
            early=write_json(d.dir / "swap-1.json", early),
            head=write_json(d.dir / "swap-2.json", late),
        )
    )
    assert code == verify.FAILED


async def test_DIS_3_two_signed_heads_of_one_size_raise_the_alarm(downloads: Downloads) -> None:
    """A log that shows two different trees of one size is caught by its own signatures."""
    d = downloads
    head = read_json(d.head)
    forked_root = bytes(32)
    secrets = d.p.secrets
    assert secrets is not None
    signature = await secrets.sign(
        SIGNING_KEY, signed_bytes(head["tree_size"], forked_root, head["timestamp"] + 1)
    )
    forked = head | {
        "root_hash": forked_root.hex(),
        "timestamp": head["timestamp"] + 1,
        "signature": signature.split(":", 2)[2],
    }
    forked_file = write_json(d.dir / "sth-forked.json", forked)
    code, out = run("--public-key", d.key, "--tree-head", d.head, "--tree-head", forked_file)
    assert code == verify.SPLIT_VIEW, out
    assert "ALARM" in out and f"tree size {head['tree_size']}" in out


def test_DIS_3_another_logs_key_or_missing_files_are_refused(downloads: Downloads) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    d = downloads
    stranger = Ed25519PrivateKey.generate().public_key()
    pem = stranger.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    other = d.dir / "other.pem"
    other.write_text(pem, encoding="utf-8")
    code, out = run(*full(d, key=other))
    assert code == verify.FAILED and "signature" in out

    raw = stranger.public_bytes(Encoding.Raw, PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).decode()}
    code, _ = run(*full(d, key=write_json(d.dir / "other.jwk", jwk)))
    assert code == verify.FAILED

    code, out = run(*full(d, record=d.dir / "nowhere.json"))
    assert code == verify.UNREADABLE and "cannot read" in out
    code, out = run("--public-key", d.key, "--tree-head", d.head, "--consistency", d.consistency)
    assert code == verify.UNREADABLE and "two tree heads" in out
