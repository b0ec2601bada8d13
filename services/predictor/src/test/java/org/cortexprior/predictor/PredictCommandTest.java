package org.cortexprior.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.cortexprior.cli.ExitCodes;
import org.junit.jupiter.api.Test;

import picocli.CommandLine;

class PredictCommandTest {

    @Test
    void missingBootstrapServersIsUsageError() {
        StringWriter err = new StringWriter();
        int code = run(err, "--set", "predictor.model=ridge");

        assertEquals(ExitCodes.USAGE, code, err.toString());
        assertTrue(err.toString().contains("needs a Kafka cluster"), err.toString());
    }

    @Test
    void unreachableClusterExitsWithCodeFour() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        StringWriter err = new StringWriter();
        int code = run(err, "--bootstrap-servers", "127.0.0.1:" + port, "--connect-timeout", "2", "--metrics-port", "-1");

        assertEquals(ExitCodes.UNAVAILABLE, code, err.toString());
        assertTrue(err.toString().contains("Kafka cluster at 127.0.0.1:" + port + " is unreachable"), err.toString());
    }

    @Test
    void invalidPredictorKeyIsUsageError() {
        StringWriter err = new StringWriter();
        int code = run(err, "--bootstrap-servers", "127.0.0.1:9", "--set", "predictor.image-set=everything");

        assertEquals(ExitCodes.USAGE, code, err.toString());
        assertTrue(err.toString().contains("predictor.image-set='everything'"), err.toString());
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cli = PredictCommandMain.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
