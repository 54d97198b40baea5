"""scripts/download_model.sh against a stand-in Hugging Face hub on 127.0.0.1.

    /usr/bin/python3 -m unittest discover -s tests/scripts -v      (ctest runs this as scripts_py)

FakeHub (an http.server in a thread) serves model repositories as the hub does: the file list at
/api/models/ORG/NAME/tree/REVISION (size, git blob SHA-1, and for large files the LFS SHA-256) and
the files at /ORG/NAME/resolve/REVISION/PATH, with Range requests. It can cut a file's transfer
midway once, serve other bytes than it lists, ignore Range, or answer every request with an HTTP
error. The script runs with ICMA_HF_ENDPOINT pointing at it.
"""

import hashlib
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "download_model.sh")
LFS_FROM = 1024  # files of this size or more are listed as LFS files (the hub's threshold is larger)


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def listing(files):
    """The hub's tree listing of {path: bytes}, directories included."""
    out, dirs = [], set()
    for path, data in sorted(files.items()):
        parts = path.split("/")
        for i in range(1, len(parts)):
            dirs.add("/".join(parts[:i]))
        entry = {"type": "file", "oid": git_blob_sha1(data), "size": len(data), "path": path}
        if len(data) >= LFS_FROM:
            entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 132}
            entry["oid"] = git_blob_sha1(b"version https://git-lfs.github.com/spec/v1\n")  # the pointer's
        out.append(entry)
    out += [{"type": "directory", "oid": "0" * 40, "size": 0, "path": d} for d in sorted(dirs)]
    return out


class FakeHub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.repos = {}      # "org/name" -> {path: bytes}
        self.served = {}     # (repo, path) -> bytes served instead of the listed ones
        self.cut_once = set()  # (repo, path) whose next transfer stops halfway
        self.ranges = True
        self.status = None   # answer everything with this HTTP status
        self.requests = []   # (path, Range header, Authorization header)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        hub = self.server
        hub.requests.append((self.path, self.headers.get("Range"), self.headers.get("Authorization")))
        if hub.status:
            self.send_error(hub.status)
            return
        path = unquote(urlsplit(self.path).path)
        for repo, files in hub.repos.items():
            if path == "/api/models/%s/tree/main" % repo:
                body = json.dumps(listing(files)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            prefix = "/%s/resolve/main/" % repo
            if path.startswith(prefix) and path[len(prefix):] in files:
                self.send_file(repo, path[len(prefix):])
                return
        self.send_error(404)

    def send_file(self, repo, name):
        hub = self.server
        data = hub.served.get((repo, name), hub.repos[repo][name])
        start = 0
        requested = self.headers.get("Range")
        if requested and hub.ranges:
            start = int(requested.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if (repo, name) in hub.cut_once:
            hub.cut_once.discard((repo, name))
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


def tiny_model(seed=1):
    rng = random.Random(seed)
    return {
        "config.json": b'{"model_type": "llama", "hidden_size": 8}\n',
        "generation_config.json": b'{"eos_token_id": 2}\n',
        "tokenizer.json": json.dumps({"model": {"type": "BPE", "vocab": {"a": 0}}}).encode() + b" " * 1500,
        "tokenizer_config.json": b"{}\n",
        "1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}\n',
        "model.safetensors": bytes(rng.getrandbits(8) for _ in range(200_000)),
        "README.md": b"# a model\n",
        "flax_model.msgpack": b"\0" * 2048,
        "consolidated.safetensors": b"\1" * 4096,
        "onnx/model.onnx": b"\2" * 2048,
    }


FETCHED = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
           "1_Pooling/config.json", "model.safetensors")


class DownloadModel(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="icma-download-model-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.hub = FakeHub()
        self.addCleanup(self.hub.stop)
        self.files = tiny_model()
        self.hub.repos["org/tiny"] = self.files
        self.dest = os.path.join(self.dir, "tiny")

    def download(self, repo="org/tiny", endpoint=None, env=None):
        environment = dict(os.environ, ICMA_HF_ENDPOINT=endpoint or self.hub.url, **(env or {}))
        environment.pop("HF_TOKEN", None)
        environment.update(env or {})
        return subprocess.run(["bash", SCRIPT, repo, self.dest], capture_output=True, text=True, env=environment,
                              timeout=60)

    def dest_files(self):
        found = []
        for directory, _, names in os.walk(self.dest):
            found += [os.path.relpath(os.path.join(directory, n), self.dest) for n in names]
        return sorted(found)

    def read(self, name):
        with open(os.path.join(self.dest, name), "rb") as f:
            return f.read()

    def file_requests(self, name):
        return [(path, rng) for path, rng, _ in self.hub.requests if path.endswith("/resolve/main/" + name)]

    def test_fetches_the_files_icma_reads_and_checks_them(self):
        result = self.download()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.dest_files(), sorted(FETCHED))
        for name in FETCHED:
            self.assertEqual(self.read(name), self.files[name], name)
        self.assertIn("model in %s" % self.dest, result.stdout)
        # a second run checks what is there and fetches nothing
        before = len(self.hub.requests)
        result = self.download()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(self.hub.requests), before + 1)  # the file list only
        self.assertIn("ok model.safetensors", result.stdout)

    def test_a_cut_connection_is_resumed_with_the_right_bytes(self):
        self.hub.cut_once.add(("org/tiny", "model.safetensors"))
        result = self.download()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read("model.safetensors"), self.files["model.safetensors"])
        requests = self.file_requests("model.safetensors")
        self.assertEqual(len(requests), 2, requests)
        self.assertIsNone(requests[0][1])
        offset = int(requests[1][1].split("=")[1].rstrip("-"))
        self.assertTrue(0 < offset < len(self.files["model.safetensors"]), requests)
        self.assertIn("resuming model.safetensors at byte %d" % offset, result.stdout)
        self.assertNotIn("model.safetensors.part", self.dest_files())

    def test_an_interrupted_run_continues_from_its_part_file(self):
        os.makedirs(self.dest)
        with open(os.path.join(self.dest, "model.safetensors.part"), "wb") as f:
            f.write(self.files["model.safetensors"][:70_000])
        result = self.download()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.file_requests("model.safetensors")[0][1], "bytes=70000-")
        self.assertEqual(self.read("model.safetensors"), self.files["model.safetensors"])

    def test_a_server_that_cannot_resume_sends_the_whole_file_again(self):
        self.hub.ranges = False
        os.makedirs(self.dest)
        with open(os.path.join(self.dest, "model.safetensors.part"), "wb") as f:
            f.write(self.files["model.safetensors"][:70_000])
        result = self.download()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read("model.safetensors"), self.files["model.safetensors"])
        requests = self.file_requests("model.safetensors")
        self.assertEqual([r for _, r in requests], ["bytes=70000-", None])  # refused to resume, then from the start

    def test_a_wrong_checksum_is_refused_and_the_part_deleted(self):
        wrong = bytearray(self.files["model.safetensors"])
        wrong[1234] ^= 1
        self.hub.served[("org/tiny", "model.safetensors")] = bytes(wrong)
        result = self.download()
        self.assertEqual(result.returncode, 2)
        errors = [line for line in result.stderr.splitlines() if line.startswith("download_model:")]
        self.assertEqual(len(errors), 1, result.stderr)
        self.assertIn("model.safetensors: wrong download", errors[0])
        self.assertIn(hashlib.sha256(self.files["model.safetensors"]).hexdigest(), errors[0])
        self.assertNotIn("model.safetensors", self.dest_files())
        self.assertNotIn("model.safetensors.part", self.dest_files())
        # a small (non-LFS) file is checked by its git blob SHA-1
        self.hub.served[("org/tiny", "config.json")] = self.files["config.json"].replace(b"8", b"9")
        shutil.rmtree(self.dest)
        result = self.download()
        self.assertEqual(result.returncode, 2)
        self.assertIn("config.json: wrong download", result.stderr)

    def test_an_existing_different_file_is_never_replaced(self):
        os.makedirs(self.dest)
        with open(os.path.join(self.dest, "config.json"), "wb") as f:
            f.write(b'{"mine": true}\n')
        result = self.download()
        self.assertEqual(result.returncode, 2)
        self.assertIn("config.json exists and is not org/tiny's config.json", result.stderr)
        self.assertEqual(self.read("config.json"), b'{"mine": true}\n')

    def test_no_hub_is_an_offline_message(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        result = self.download(endpoint="http://127.0.0.1:%d" % port)
        self.assertEqual(result.returncode, 1)
        self.assertIn("download_model: cannot reach http://127.0.0.1:%d" % port, result.stderr)
        self.assertIn("no internet", result.stderr)

    def test_a_gated_model_asks_for_hf_token_and_the_token_is_sent(self):
        self.hub.status = 401
        result = self.download()
        self.assertEqual(result.returncode, 2)
        self.assertIn("set HF_TOKEN", result.stderr)
        self.hub.status = None
        result = self.download(env={"HF_TOKEN": "hf_test"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(all(auth == "Bearer hf_test" for _, _, auth in self.hub.requests[1:]))

    def test_sharded_pytorch_weights_with_their_index_when_there_are_no_safetensors(self):
        self.hub.repos["org/bins"] = {
            "config.json": b"{}\n",
            "pytorch_model-00001-of-00002.bin": b"a" * 3000,
            "pytorch_model-00002-of-00002.bin": b"b" * 10,
            "pytorch_model.bin.index.json": b'{"weight_map": {}}\n',
            "tf_model.h5": b"c" * 3000,
        }
        result = self.download(repo="org/bins")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.dest_files(), ["config.json", "pytorch_model-00001-of-00002.bin",
                                             "pytorch_model-00002-of-00002.bin", "pytorch_model.bin.index.json"])

    def test_no_such_model_and_no_weights(self):
        result = self.download(repo="org/none")
        self.assertEqual(result.returncode, 2)
        self.assertIn("org/none: no such model", result.stderr)
        self.hub.repos["org/empty"] = {"config.json": b"{}\n", "README.md": b"x"}
        result = self.download(repo="org/empty")
        self.assertEqual(result.returncode, 2)
        self.assertIn("has no model.safetensors or pytorch_model.bin", result.stderr)
        self.assertEqual(subprocess.run(["bash", SCRIPT, "not-a-name"], capture_output=True).returncode, 2)


if __name__ == "__main__":
    unittest.main()
