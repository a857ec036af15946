package io.nereid.runtime;

import java.util.Map;

/** Linux signal names and numbers on x86-64, as {@code kill -l} lists them. */
final class Signals {

  private static final Map<String, Integer> NUMBERS =
      Map.ofEntries(
          Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
          Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
          Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
          Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
          Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
          Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23),
          Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
          Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29), Map.entry("PWR", 30),
          Map.entry("SYS", 31));

  private static final int MAX_SIGNAL = 64; // SIGRTMAX

  private Signals() {}

  /**
   * Returns the number of {@code signal}: a name with or without {@code SIG}, in any case, or a
   * number from 1 to 64.
   *
   * @throws IllegalArgumentException for anything else
   */
  static int parse(String signal) {
    String text = signal.trim().toUpperCase();
    if (text.matches("\\d+")) {
      int number = Integer.parseInt(text);
      if (number >= 1 && number <= MAX_SIGNAL) {
        return number;
      }
    } else {
      Integer number = NUMBERS.get(text.startsWith("SIG") ? text.substring(3) : text);
      if (number != null) {
        return number;
      }
    }
    throw new IllegalArgumentException(
        "invalid signal '" + signal + "': use a name such as SIGTERM or a number from 1 to 64");
  }
}
