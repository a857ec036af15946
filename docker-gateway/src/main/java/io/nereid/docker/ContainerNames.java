package io.nereid.docker;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Generates the name of a container created without one, in Docker's form {@code
 * <adjective>_<surname>} such as {@code steady_noether}. The surnames are those of scientists and
 * engineers. The word lists are Nereid's own, not Docker's.
 */
final class ContainerNames {

  private static final List<String> ADJECTIVES =
      List.of(
          "able", "agile", "airy", "alert", "ample", "apt", "astute", "balmy", "bold", "breezy",
          "bright", "brisk", "calm", "candid", "careful", "cheery", "civil", "clever", "cosmic",
          "crisp", "curious", "daring", "deft", "eager", "earnest", "easy", "fair", "fearless",
          "fleet", "fluent", "frank", "fresh", "gentle", "glad", "golden", "graceful", "hardy",
          "hearty", "honest", "humble", "jolly", "just", "keen", "kind", "lively", "loyal", "lucid",
          "lucky", "mellow", "merry", "mighty", "modest", "neat", "nimble", "noble", "patient",
          "placid", "plucky", "polite", "proud", "quick", "quiet", "rapid", "ready", "robust",
          "rosy", "rugged", "sage", "serene", "sharp", "shiny", "silent", "sincere", "sleek",
          "smart", "snappy", "solid", "spry", "steady", "stoic", "sturdy", "sunny", "swift", "tidy",
          "tranquil", "trusty", "upbeat", "valiant", "vivid", "warm", "wise", "witty", "zesty");

  private static final List<String> SURNAMES =
      List.of(
          "abel", "ampere", "archimedes", "avogadro", "babbage", "backus", "bardeen", "bernoulli",
          "bohr", "boole", "brahe", "cauchy", "cavendish", "cerf", "chandrasekhar", "copernicus",
          "coulomb", "crick", "curie", "darwin", "dijkstra", "dirac", "doppler", "edison",
          "einstein", "euclid", "euler", "faraday", "fermat", "fermi", "feynman", "fibonacci",
          "fourier", "franklin", "galois", "galileo", "gauss", "gibbs", "godel", "hamming",
          "hawking", "heisenberg", "hertz", "hilbert", "hooke", "hopper", "hubble", "huygens",
          "joule", "kelvin", "kepler", "knuth", "lamarr", "lamport", "laplace", "lavoisier",
          "leibniz", "liskov", "lovelace", "maxwell", "meitner", "mendel", "mendeleev", "michelson",
          "minsky", "napier", "newton", "noether", "ohm", "pascal", "pasteur", "pauli", "planck",
          "poincare", "ptolemy", "raman", "ramanujan", "riemann", "ritchie", "rutherford", "sagan",
          "schrodinger", "shannon", "somerville", "tesla", "thompson", "turing", "volta", "watt",
          "wiles", "wirth", "wu", "yalow");

  private final RandomGenerator random;

  /** @param random the source of the choices; it must be safe to share between threads */
  ContainerNames(RandomGenerator random) {
    this.random = random;
  }

  /**
   * Returns a random name for the given attempt, counted from 0. From attempt 1 on, a random digit
   * follows the name, as in Docker's generator (moby's pkg/namesgenerator) on a retry.
   */
  String generate(int attempt) {
    String name =
        ADJECTIVES.get(random.nextInt(ADJECTIVES.size()))
            + "_"
            + SURNAMES.get(random.nextInt(SURNAMES.size()));
    if (attempt > 0) {
      name += random.nextInt(10);
    }
    return name;
  }
}
