package org.cortexprior.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import ai.djl.Device;
import ai.djl.engine.Engine;

import org.junit.jupiter.api.Test;

/** Parsing of {@code train --devices}. */
class TrainCommandDevicesTest {

    @Test
    void cpuAlone() {
        assertEquals(List.of(Device.cpu()), TrainCommand.parseDevices("cpu"));
        assertEquals(List.of(Device.cpu()), TrainCommand.parseDevices(" CPU "));
    }

    @Test
    void missingGpuRejected() {
        int gpus = Engine.getInstance().getGpuCount();
        String missing = "gpu" + gpus;
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TrainCommand.parseDevices("cpu," + missing));
        assertTrue(error.getMessage().contains(missing + " does not exist; the engine detects " + gpus), error.getMessage());
    }

    @Test
    void unknownOrRepeatedDeviceRejected() {
        assertEquals("--devices tpu0: 'tpu0' is not a device; expected cpu, gpu or gpuN",
                assertThrows(IllegalArgumentException.class, () -> TrainCommand.parseDevices("tpu0")).getMessage());
        assertEquals("--devices cpu,cpu: cpu is listed twice",
                assertThrows(IllegalArgumentException.class, () -> TrainCommand.parseDevices("cpu,cpu")).getMessage());
    }
}
