package org.cortexprior.trainer.internals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;

/**
 * Writes a {@link TappedResNet}'s weights as a safetensors file with torchvision's ResNet names
 * ({@code conv1.weight}, {@code bn1.running_mean}, {@code layer2.0.downsample.0.weight},
 * {@code fc.weight}, ...), so that a PyTorch user can load them into
 * {@code torchvision.models.resnet18(num_classes=K)} after replacing {@code conv1} with
 * {@code nn.Conv2d(1, w, 7, 1, 3, bias=False)} and {@code maxpool} with {@code nn.Identity()}, and
 * with stage widths scaled as in the metadata. The regulariser's state is stored as
 * {@code similarity.gamma} and {@code similarity.tap_mean.K} (load with {@code strict=False}).
 *
 * <p>Format: 8-byte little-endian header length, a JSON header mapping each name to dtype, shape
 * and byte offsets (plus {@code __metadata__} strings), then the raw little-endian tensor data.
 * The network expects inputs as {@code 5 * (x - 0.5)} with x in [0, 1], after the optional blur
 * whose sigma is in the metadata.
 */
public final class SafetensorsExport {

    private SafetensorsExport() {
    }

    /** Returns the model's tensors under torchvision-style names, in a stable order. */
    public static Map<String, NDArray> tensors(TappedResNet model) {
        Map<String, NDArray> named = new LinkedHashMap<>();
        conv(named, "conv1", model.stem);
        norm(named, "bn1", model.stemNorm);
        List<List<BasicResidualBlock>> stages = model.stages();
        for (int s = 0; s < stages.size(); s++) {
            for (int b = 0; b < stages.get(s).size(); b++) {
                BasicResidualBlock block = stages.get(s).get(b);
                String prefix = "layer" + (s + 1) + "." + b + ".";
                conv(named, prefix + "conv1", block.conv1);
                norm(named, prefix + "bn1", block.bn1);
                conv(named, prefix + "conv2", block.conv2);
                norm(named, prefix + "bn2", block.bn2);
                if (block.downsampleConv != null) {
                    conv(named, prefix + "downsample.0", block.downsampleConv);
                    norm(named, prefix + "downsample.1", block.downsampleNorm);
                }
            }
        }
        Linear fc = model.fc;
        named.put("fc.weight", param(fc, "weight"));
        named.put("fc.bias", param(fc, "bias"));
        named.put("similarity.gamma", model.gamma());
        for (int k = 0; k < model.tapMeans.size(); k++) {
            named.put("similarity.tap_mean." + k, model.tapMeans.get(k).getArray());
        }
        return named;
    }

    private static void conv(Map<String, NDArray> named, String name, Conv2d conv) {
        named.put(name + ".weight", param(conv, "weight"));
    }

    private static void norm(Map<String, NDArray> named, String name, BatchNorm norm) {
        named.put(name + ".weight", param(norm, "gamma"));
        named.put(name + ".bias", param(norm, "beta"));
        named.put(name + ".running_mean", param(norm, "runningMean"));
        named.put(name + ".running_var", param(norm, "runningVar"));
    }

    private static NDArray param(Block block, String name) {
        return block.getDirectParameters().get(name).getArray();
    }

    /** Writes the safetensors file atomically. */
    public static void write(Path file, TappedResNet model, Map<String, String> metadata) throws IOException {
        Map<String, NDArray> tensors = tensors(model);
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", metadata);
        List<byte[]> blobs = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            float[] values = e.getValue().toFloatArray();
            ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(values);
            byte[] bytes = buffer.array();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", e.getValue().getShape().getShape());
            entry.put("data_offsets", new long[] {offset, offset + bytes.length});
            header.put(e.getKey(), entry);
            blobs.add(bytes);
            offset += bytes.length;
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        // Pad the header with spaces to an 8-byte boundary, as the reference writer does.
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            headerBytes[i] = ' ';
        }
        CheckpointStore.writeAtomically(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (byte[] blob : blobs) {
                out.write(blob);
            }
        });
    }
}
