#!/usr/bin/python3
"""An independent python3-torch implementation of the Hugging Face Transformers
causal language models icma supports, written from the HF modeling code
(modeling_opt.py, modeling_llama.py, modeling_mistral.py, modeling_qwen2.py)
so that icma's LibTorch models can be checked against it where transformers
itself is not installed (Debian packages torch, not transformers).

It follows the HF eager code path operation by operation:
  OPT      q_proj(x) * head_dim**-0.5; positions = cumsum(mask) * mask - 1,
           embedded with an offset of 2; LayerNorm before (or after) each
           block; fc1 -> activation -> fc2; optional project_in/out when
           word_embed_proj_dim != hidden_size; lm_head tied to embed_tokens.
  Llama    RMSNorm in float32; rotary embedding (rotate_half convention) with
           rope_theta and optional "llama3"/"linear" rope_scaling; grouped-query
           attention (repeat_kv); SwiGLU MLP; softmax in float32.
  Mistral  Llama plus sliding-window attention: query i sees key j only if
           i - j < sliding_window.
  Qwen2    Llama with q/k/v biases (no o_proj bias).
Positions for rotary models are cumsum(mask) - 1 with padding set to 1, as
generate() makes them; padded keys are masked with finfo.min.

Used by tests/reference/make_causal_lm_fixtures.py (logits fixtures) and by the
generation benchmark. Usage as a module:

    model = CausalLM.load(model_dir)          # config.json + safetensors/.bin
    logits, cache = model.forward(ids, mask, cache=None)
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

ACTIVATIONS = {
    "relu": F.relu,
    "gelu": F.gelu,
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "swish": F.silu,
}

SAFETENSORS_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
                      "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
                      "BOOL": torch.bool}


def read_safetensors(path):
    """The safetensors format read by hand (the python package is not in Debian)."""
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        raw = bytearray(data[8 + size + begin:8 + size + end])
        dtype = SAFETENSORS_DTYPES[spec["dtype"]]
        tensors[name] = torch.frombuffer(raw, dtype=dtype).reshape(spec["shape"]) if raw else \
            torch.zeros(spec["shape"], dtype=dtype)
    return tensors


def write_safetensors(path, tensors):
    names = {v: k for k, v in SAFETENSORS_DTYPES.items()}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        raw = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for raw in blobs:
            f.write(raw)


def load_weights(model_dir):
    def read(name):
        path = os.path.join(model_dir, name)
        return read_safetensors(path) if name.endswith(".safetensors") else torch.load(path, map_location="cpu")
    for index in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        if os.path.exists(os.path.join(model_dir, index)):
            with open(os.path.join(model_dir, index)) as f:
                shards = sorted(set(json.load(f)["weight_map"].values()))
            weights = {}
            for shard in shards:
                weights.update(read(shard))
            return weights
    for single in ("model.safetensors", "pytorch_model.bin"):
        if os.path.exists(os.path.join(model_dir, single)):
            return read(single)
    raise FileNotFoundError(f"no weights in {model_dir}")


class CausalLM:
    def __init__(self, config, weights, dtype=torch.float32):
        self.c = config
        # HF loads a checkpoint saved from the bare OPTModel ("decoder.*") into
        # OPTForCausalLM by adding its base_model_prefix "model.".
        self.w = {("model." + k if config["model_type"] == "opt" and k.startswith("decoder.") else k): v.to(dtype)
                  for k, v in weights.items()}
        self.dtype = dtype
        self.training = False  # dropout only in training mode, as nn.Module.train()
        self.lora = {}  # module name -> (A, B, scale): PEFT's LoRA, for the training benchmark
        c = config
        opt = c["model_type"] == "opt"
        self.hidden_dropout = c.get("dropout", 0.1) if opt else 0.0
        self.attention_dropout = c.get("attention_dropout", 0.0)
        self.activation_dropout = c.get("activation_dropout", 0.0) if opt else 0.0
        self.type = c["model_type"]
        if self.type not in ("opt", "llama", "mistral", "qwen2"):
            raise ValueError(f"unsupported model_type {self.type}")
        self.heads = c["num_attention_heads"]
        self.hidden = c["hidden_size"]
        self.layers = c["num_hidden_layers"]
        if self.type == "opt":
            self.kv_heads = self.heads
            self.head_dim = self.hidden // self.heads
            self.act = ACTIVATIONS[c.get("activation_function", "relu")]
            self.pre_norm = c.get("do_layer_norm_before", True)
            self.final_norm = self.pre_norm and not c.get("_remove_final_layer_norm", False)
            self.prefix = "model.decoder."
            self.window = None
        else:
            self.kv_heads = c.get("num_key_value_heads") or self.heads
            self.head_dim = c.get("head_dim") or self.hidden // self.heads
            self.act = ACTIVATIONS[c.get("hidden_act", "silu")]
            self.eps = c.get("rms_norm_eps", 1e-6)
            self.prefix = "model."
            base = c.get("rope_theta", 10000.0)
            inv_freq = 1.0 / (base ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim))
            scaling = c.get("rope_scaling")
            if scaling:
                kind = scaling.get("rope_type", scaling.get("type"))
                if kind == "linear":
                    inv_freq = inv_freq / scaling["factor"]
                elif kind == "llama3":
                    factor = scaling["factor"]
                    low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
                    old = scaling["original_max_position_embeddings"]
                    low_wavelen, high_wavelen = old / low, old / high
                    wavelen = 2 * math.pi / inv_freq
                    scaled = torch.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
                    smooth = (old / wavelen - low) / (high - low)
                    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
                    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
                    inv_freq = torch.where(medium, smoothed, scaled)
                elif kind != "default":
                    raise ValueError(f"rope_scaling {kind}")
            self.inv_freq = inv_freq
            window = c.get("sliding_window") if self.type == "mistral" else None
            if self.type == "qwen2" and c.get("use_sliding_window", False):
                raise ValueError("qwen2 use_sliding_window is not supported")
            self.window = window

    @staticmethod
    def load(model_dir, dtype=torch.float32):
        with open(os.path.join(model_dir, "config.json")) as f:
            config = json.load(f)
        return CausalLM(config, load_weights(model_dir), dtype)

    def get(self, name):
        return self.w.get(name)

    def linear(self, x, name):
        y = F.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))
        if name in self.lora:
            a, b, scale, p = self.lora[name]
            y = y + F.linear(F.linear(F.dropout(x, p, self.training), a), b) * scale
        return y

    def dropout(self, x, p):
        return F.dropout(x, p, self.training) if p > 0 else x

    def layer_norm(self, x, name):
        return F.layer_norm(x, (x.shape[-1],), self.w.get(name + ".weight"), self.w.get(name + ".bias"), 1e-5)

    def rms_norm(self, x, name):
        dtype = x.dtype
        x = x.to(torch.float32)
        variance = x.pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(variance + self.eps)
        return self.w[name + ".weight"] * x.to(dtype)

    def rotary(self, positions):
        freqs = (self.inv_freq[None, :, None].float().expand(positions.shape[0], -1, 1)
                 @ positions[:, None, :].float()).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(self.dtype)[:, None], emb.sin().to(self.dtype)[:, None]

    @staticmethod
    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

    def attention(self, x, prefix, mask4d, rope, cache, layer):
        b, t, _ = x.shape
        if self.type == "opt":
            q = self.linear(x, prefix + "q_proj") * self.head_dim ** -0.5
        else:
            q = self.linear(x, prefix + "q_proj")
        k = self.linear(x, prefix + "k_proj")
        v = self.linear(x, prefix + "v_proj")
        q = q.view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = k.view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = v.view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        if rope is not None:
            cos, sin = rope
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
        if cache is not None:
            if layer < len(cache):
                k = torch.cat([cache[layer][0], k], dim=2)
                v = torch.cat([cache[layer][1], v], dim=2)
                cache[layer] = (k, v)
            else:
                cache.append((k, v))
        groups = self.heads // self.kv_heads
        if groups > 1:
            k = k[:, :, None].expand(b, self.kv_heads, groups, k.shape[2], self.head_dim).reshape(b, self.heads, -1, self.head_dim)
            v = v[:, :, None].expand(b, self.kv_heads, groups, v.shape[2], self.head_dim).reshape(b, self.heads, -1, self.head_dim)
        scores = q @ k.transpose(2, 3)
        if self.type != "opt":  # OPT scaled the query instead
            scores = scores * self.head_dim ** -0.5
        scores = scores + mask4d
        probs = self.dropout(F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype), self.attention_dropout)
        out = (probs @ v).transpose(1, 2).reshape(b, t, self.heads * self.head_dim)
        return self.linear(out, prefix + ("out_proj" if self.type == "opt" else "o_proj"))

    def forward(self, ids, mask, cache=None):
        """ids [B, T] int64; mask [B, P + T] (1 = token, 0 = padding), P = cached
        length; cache: None (no cache) or a list, extended in place. Returns
        float32 logits [B, T, V]."""
        b, t = ids.shape
        past = cache[0][0].shape[2] if cache else 0
        total = past + t
        mask = mask.long()
        p = self.prefix
        x = F.embedding(ids, self.w[p + "embed_tokens.weight"])
        if self.type == "opt":
            positions = (torch.cumsum(mask, dim=1) * mask - 1)[:, past:]
            if p + "project_in.weight" in self.w:
                x = self.linear(x, p + "project_in")
            x = x + F.embedding(positions + 2, self.w[p + "embed_positions.weight"])
            rope = None
        else:
            positions = (torch.cumsum(mask, dim=-1) - 1).masked_fill(mask == 0, 1)[:, past:]
            rope = self.rotary(positions)
        # 4-D additive mask: causal (and sliding window) over absolute indices, plus padding.
        query = torch.arange(past, total)[:, None]
        key = torch.arange(total)[None, :]
        allowed = key <= query
        if self.window is not None:
            allowed = allowed & (query - key < self.window)
        allowed = allowed[None, None] & (mask[:, None, None, :] == 1)
        mask4d = torch.zeros(b, 1, t, total, dtype=self.dtype).masked_fill(~allowed, torch.finfo(self.dtype).min)
        for i in range(self.layers):
            lp = f"{p}layers.{i}."
            if self.type == "opt":
                h = self.layer_norm(x, lp + "self_attn_layer_norm") if self.pre_norm else x
                h = x + self.dropout(self.attention(h, lp + "self_attn.", mask4d, rope, cache, i), self.hidden_dropout)
                if not self.pre_norm:
                    h = self.layer_norm(h, lp + "self_attn_layer_norm")
                m = self.layer_norm(h, lp + "final_layer_norm") if self.pre_norm else h
                m = self.dropout(self.act(self.linear(m, lp + "fc1")), self.activation_dropout)
                m = self.dropout(self.linear(m, lp + "fc2"), self.hidden_dropout)
                x = h + m
                if not self.pre_norm:
                    x = self.layer_norm(x, lp + "final_layer_norm")
            else:
                h = x + self.attention(self.rms_norm(x, lp + "input_layernorm"), lp + "self_attn.", mask4d, rope, cache, i)
                m = self.rms_norm(h, lp + "post_attention_layernorm")
                m = self.linear(self.act(self.linear(m, lp + "mlp.gate_proj")) * self.linear(m, lp + "mlp.up_proj"),
                                lp + "mlp.down_proj")
                x = h + m
        if self.type == "opt":
            if self.final_norm:
                x = self.layer_norm(x, p + "final_layer_norm")
            if p + "project_out.weight" in self.w:
                x = self.linear(x, p + "project_out")
        else:
            x = self.rms_norm(x, p + "norm")
        head = self.w.get("lm_head.weight")
        if head is None or self.c.get("tie_word_embeddings", self.type == "opt"):
            head = self.w[p + "embed_tokens.weight"]
        return F.linear(x, head).float(), cache
