#!/usr/bin/python3
"""Writes tests/fixtures/models/peft_layout.json: the adapter keys and
adapter_config.json fields PEFT (0.x, LoRA) produces for the llama fixture
model with r=4, lora_alpha=8 and every linear layer but lm_head targeted,
for tests/model/training_test.cpp.

No GPU machine with PEFT was lent to this task, so the layout is written from
PEFT's documented behaviour rather than produced by PEFT itself:
  - get_peft_model wraps the model as PeftModelForCausalLM, whose
    base_model (LoraModel) holds the original as .model, so module paths gain
    the prefix "base_model.model.";
  - each targeted nn.Linear becomes a lora.Linear with submodules
    lora_A[adapter] (in -> r) and lora_B[adapter] (r -> out);
  - save_pretrained (get_peft_model_state_dict) keeps only lora_ weights and
    drops the adapter name ".default", giving
    base_model.model.<module path>.lora_A.weight / .lora_B.weight,
    stored in adapter_model.safetensors;
  - adapter_config.json is LoraConfig's fields: peft_type "LORA", task_type
    "CAUSAL_LM", r, lora_alpha, lora_dropout, target_modules, bias "none",
    fan_in_fan_out false, ...
Run: /usr/bin/python3 tests/reference/make_peft_layout_fixture.py
"""
import json

LAYERS = 2  # tests/fixtures/models/llama/config.json num_hidden_layers
MODULES = ["mlp.down_proj", "mlp.gate_proj", "mlp.up_proj", "self_attn.k_proj", "self_attn.o_proj",
           "self_attn.q_proj", "self_attn.v_proj"]

keys = sorted(f"base_model.model.model.layers.{i}.{module}.lora_{ab}.weight"
              for i in range(LAYERS) for module in MODULES for ab in "AB")
config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 4, "lora_alpha": 8.0, "bias": "none",
          "fan_in_fan_out": False,
          "target_modules": sorted(m.split(".")[-1] for m in MODULES)}
with open("tests/fixtures/models/peft_layout.json", "w") as f:
    json.dump({"generator": "tests/reference/make_peft_layout_fixture.py", "keys": keys, "config": config}, f, indent=1)
