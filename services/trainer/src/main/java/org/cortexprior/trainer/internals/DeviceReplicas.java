package org.cortexprior.trainer.internals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Copies of a {@link TappedResNet}'s parameters on further devices, for data-parallel training
 * steps. The model's own parameters, on the primary device, stay the only ones the optimizer
 * updates and checkpoints save.
 *
 * <p>Each step {@link #refresh() refreshes} every replica from the primary parameters, runs its
 * share of the batch through {@link #store(int)}, and {@link #addGradientsToPrimary() adds} the
 * replica gradients to the primary ones. Buffers that a forward pass updates in place (batch-norm
 * running statistics, tap running means) change only on the primary device. A replica's updates
 * are discarded with it, much as PyTorch's distributed data-parallel training keeps the first
 * process's buffers.
 *
 * <p>A replica may sit on the primary device itself (two shards on one CPU), which the tests use
 * to check the gradient arithmetic where no second GPU exists. Not thread-safe.
 *
 * <p>NOTE: replicas on separate GPUs have not been run; the tests place them on the CPU.
 */
final class DeviceReplicas implements AutoCloseable {

    private final List<Parameter> parameters;
    private final List<Device> devices;
    private final List<NDManager> managers = new ArrayList<>();
    private final List<ReplicaStore> stores = new ArrayList<>();

    /**
     * @param model the model whose parameters are replicated; already initialised
     * @param parent manager whose closing also releases the replicas
     * @param devices one device per replica, in shard order after the primary shard
     */
    DeviceReplicas(TappedResNet model, NDManager parent, List<Device> devices) {
        this.parameters = List.copyOf(model.getParameters().values());
        this.devices = List.copyOf(devices);
        for (Device device : devices) {
            NDManager manager = parent.newSubManager(device);
            managers.add(manager);
            stores.add(new ReplicaStore(manager));
        }
    }

    /** Returns the number of replicas, not counting the primary parameters. */
    int size() {
        return devices.size();
    }

    /** Returns the manager on replica {@code index}'s device, parent of that shard's arrays. */
    NDManager manager(int index) {
        return managers.get(index);
    }

    /** Returns the parameter store that forward passes of replica {@code index} read from. */
    ParameterStore store(int index) {
        return stores.get(index);
    }

    /**
     * Replaces every replica's parameters with fresh copies of the primary ones. The copies are
     * made with grad mode off, so each is a leaf that collects its own gradient.
     */
    void refresh() {
        boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            for (int r = 0; r < stores.size(); r++) {
                ReplicaStore store = stores.get(r);
                store.closeArrays();
                Device device = devices.get(r);
                for (Parameter parameter : parameters) {
                    NDArray primary = parameter.getArray();
                    // On the primary's own device a conversion returns the same tensor, not a copy.
                    NDArray copy = primary.getDevice().equals(device) ? primary.duplicate() : primary.toDevice(device, true);
                    copy.attach(managers.get(r));
                    if (parameter.requiresGradient()) {
                        copy.setRequiresGradient(true);
                    }
                    store.arrays.put(parameter.getId(), copy);
                }
            }
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
        }
    }

    /**
     * Adds each replica's gradients to the primary parameters' gradients. Runs with libtorch's
     * grad mode off, because an in-place change of a gradient fails with it on.
     */
    void addGradientsToPrimary() {
        boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            for (Parameter parameter : parameters) {
                if (!parameter.requiresGradient()) {
                    continue;
                }
                NDArray primary = parameter.getArray();
                try (NDArray total = primary.getGradient()) {
                    for (ReplicaStore store : stores) {
                        try (NDArray gradient = store.arrays.get(parameter.getId()).getGradient();
                             NDArray moved = gradient.toDevice(primary.getDevice(), true)) {
                            total.addi(moved);
                        }
                    }
                }
            }
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
        }
    }

    @Override
    public void close() {
        for (ReplicaStore store : stores) {
            store.closeArrays();
        }
        for (NDManager manager : managers) {
            manager.close();
        }
    }

    /** Serves one replica's copies, whatever device a block requests. */
    private static final class ReplicaStore extends ParameterStore {

        private final Map<String, NDArray> arrays = new HashMap<>();

        ReplicaStore(NDManager manager) {
            super(manager, false);
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            if (parameter == null) {
                return null;
            }
            NDArray array = arrays.get(parameter.getId());
            if (array == null) {
                throw new IllegalStateException("No replica of parameter " + parameter.getName()
                        + "; refresh the replicas before a forward pass");
            }
            return array;
        }

        void closeArrays() {
            for (NDArray array : arrays.values()) {
                array.close();
            }
            arrays.clear();
        }
    }
}
