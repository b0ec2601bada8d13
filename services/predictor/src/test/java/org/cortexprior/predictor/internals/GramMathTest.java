package org.cortexprior.predictor.internals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GramMathTest {

    /** Panels of one tile, several tiles and the whole matrix, with a partial last tile. */
    @ParameterizedTest(name = "tile {0}, panel {1}")
    @CsvSource({"8, 8", "8, 16", "8, 24", "8, 1024", "16, 40"})
    void tilesEqualDirectProduct(int tileSize, int panelRows) {
        int images = 45;
        int neurons = 11;
        Random random = new Random(3);
        float[] x = new float[images * neurons];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        Set<String> seen = new HashSet<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray all = manager.create(x, new Shape(images, neurons));
            GramMath.forEachTile(all, all, images, tileSize, panelRows, (row, column, rows, columns, block) -> {
                assertTrue(row <= column, "only upper-triangle tiles");
                assertTrue(seen.add(row + "/" + column), "tile " + row + "/" + column + " once");
                assertEquals(GramMath.tileEdge(images, tileSize, row), rows);
                assertEquals(GramMath.tileEdge(images, tileSize, column), columns);
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < columns; j++) {
                        double expected = 0;
                        for (int n = 0; n < neurons; n++) {
                            expected += (double) x[(row * tileSize + i) * neurons + n] * x[(column * tileSize + j) * neurons + n];
                        }
                        assertEquals(expected, block[i * columns + j], 1e-4, "entry " + i + "," + j + " of tile " + row + "/" + column);
                    }
                }
            });
        }
        int tiles = GramMath.tileCount(images, tileSize);
        assertEquals(tiles * (tiles + 1) / 2, seen.size());
    }

    /** The diagonal filled while centring equals the one computed from the centred result. */
    @Test
    void centringFillsTheDiagonalOfItsResult() {
        int images = 300;
        int neurons = 13;
        Random random = new Random(5);
        float[] x = new float[images * neurons];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (3 + random.nextGaussian());
        }
        float[] weights = new float[neurons];
        for (int n = 0; n < neurons; n++) {
            weights[n] = 0.5f + n / 10f;
        }
        boolean[] present = new boolean[images];
        for (int i = 0; i < images; i++) {
            present[i] = i % 7 != 3;
        }
        double[] diagonal = new double[images];
        java.util.Arrays.fill(diagonal, -1);

        float[] centred = GramMath.centreAndWeight(x, images, neurons, present, weights, diagonal);

        assertArrayEquals(GramMath.centreAndWeight(x, images, neurons, present, weights), centred);
        assertArrayEquals(GramMath.diagonal(centred, images, neurons), diagonal);
        assertEquals(0, diagonal[3]);
        double column = 0;
        for (int i = 0; i < images; i++) {
            column += centred[i * neurons + 4];
        }
        assertEquals(0, column, 1e-3, "neuron 4 centred over the present images");
    }
}
