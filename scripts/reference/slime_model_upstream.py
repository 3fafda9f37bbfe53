"""Optional cross-check for gen_slime_model_golden.py (`--upstream DIR`): runs upstream SliME's own
LlavaLlamaForCausalLM (yfzhang114/SliME checkout in DIR: llava_arch.py's encode_images /
prepare_inputs_labels_for_multimodal, GatedBlock, TextGuidedSampler, CLIPVisionTower, generate) on
the generator's weights and inputs, and returns its spliced embeddings, last logits and greedy tokens.

Nothing here is vendored: the checkout is imported by path, with stub packages for llava/__init__.py
and llava/model/__init__.py (they import every language model) and for llava/process_image.py
(needs torchvision; only its non-anyres helpers use it).
"""
import sys
import tempfile
import types
from pathlib import Path

import torch
from transformers import CLIPImageProcessor

INNER_TEMP = 0.5  # the line 6b4e0fe commented out: softmax_with_temperature(local_probs, temperature=0.5)


def load_upstream(root):
    root = Path(root).resolve()
    sys.path.insert(0, str(root))
    for pkg in ("llava", "llava.model"):
        module = types.ModuleType(pkg)
        module.__path__ = [str(root / pkg.replace(".", "/"))]
        sys.modules[pkg] = module
    stub = types.ModuleType("llava.process_image")
    stub.process_image_naive = stub.process_image_any_res = None
    sys.modules[stub.__name__] = stub
    from llava.model.language_model.llava_llama import LlavaConfig, LlavaLlamaForCausalLM
    from llava.model.multimodal_resampler import builder as resampler_builder
    return LlavaConfig, LlavaLlamaForCausalLM, resampler_builder


class UpstreamSlime:
    """Upstream's model in fp32 with the generator's weights; CLIP loaded by upstream's CLIPVisionTower
    from a temporary directory (as it loads openai/clip-vit-large-patch14-336)."""

    def __init__(self, root, cfg, clip, weights):
        LlavaConfig, LlavaLlamaForCausalLM, self.rb = load_upstream(root)
        self.tmp = tempfile.TemporaryDirectory()
        clip.save_pretrained(self.tmp.name)
        CLIPImageProcessor().save_pretrained(self.tmp.name)
        self.config = LlavaConfig(**{**cfg, "mm_vision_tower": self.tmp.name})
        model = LlavaLlamaForCausalLM(self.config)
        model.get_vision_tower().load_model()
        model.float()  # fp32 reference run (upstream would cast to fp16; w_gate is created bf16)
        for name, p in model.named_parameters():
            if name.endswith("pos_embed"):  # created fp16 upstream; get_abs_pos casts back to it
                p.data = p.data.half()
        missing, unexpected = model.load_state_dict({k: v.float() for k, v in weights.items()}, strict=False)
        assert not missing and not unexpected, (missing, unexpected)
        self.model = model.eval()
        selector = model.get_model().sampler.selector
        self.single_forward = selector.forward

    def set_softmax(self, mode):
        """HEAD is the single softmax; the double one is HEAD plus the line 6b4e0fe commented out,
        which ran right after the selector call."""
        selector = self.model.get_model().sampler.selector
        if mode == "single":
            selector.forward = self.single_forward
        else:
            selector.forward = lambda *a, **kw: self.rb.softmax_with_temperature(self.single_forward(*a, **kw),
                                                                                  temperature=INNER_TEMP)

    def run(self, ids, crops, image_size, softmax_mode, max_len, new_tokens):
        self.set_softmax(softmax_mode)
        self.config.tokenizer_model_max_length = max_len
        input_ids = torch.tensor([ids])
        images = crops.float()[None]  # [1, 1+P, 3, 336, 336]: the 5-D anyres path, fp16-rounded values
        with torch.no_grad():
            _, _, _, _, embeds, _ = self.model.prepare_inputs_labels_for_multimodal(
                input_ids, None, None, None, None, images, image_sizes=[image_size])
            logits = self.model(inputs_embeds=embeds).logits[0, -1]
            out = self.model.generate(input_ids, images=images, image_sizes=[image_size], do_sample=False,
                                      max_new_tokens=new_tokens, min_new_tokens=new_tokens, eos_token_id=None,
                                      pad_token_id=0, num_beams=1)
        return embeds[0], logits, out[0, -new_tokens:]
