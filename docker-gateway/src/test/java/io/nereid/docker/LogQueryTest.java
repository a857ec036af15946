package io.nereid.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nereid.agent.NodeAgent.LogLines.Line;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogQueryTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static final List<Line> LINES =
      List.of(
          new Line(false, T0, "one"),
          new Line(true, T0.plusSeconds(1), "two"),
          new Line(false, T0.plusSeconds(2), "three"),
          new Line(false, T0.plusSeconds(3), "four"));

  private static List<String> texts(List<Line> lines) {
    return lines.stream().map(Line::text).toList();
  }

  @Test
  void parsesDockerCliParameters() {
    LogQuery query =
        LogQuery.parse(
            Map.of(
                "stdout", "1", "stderr", "true", "follow", "1", "timestamps", "0",
                "since", "1767225601.5", "until", "0", "tail", "2"));

    assertTrue(query.stdout());
    assertTrue(query.stderr());
    assertTrue(query.follow());
    assertFalse(query.timestamps());
    assertEquals(Instant.parse("2026-01-01T00:00:01.5Z"), query.since());
    assertNull(query.until(), "until=0 means no bound");
    assertEquals(2, query.tail());
  }

  @Test
  void tailAllOrGarbageMeansEveryLine() {
    assertEquals(-1, LogQuery.parse(Map.of("stdout", "1", "tail", "all")).tail());
    assertEquals(-1, LogQuery.parse(Map.of("stdout", "1", "tail", "many")).tail());
    assertEquals(-1, LogQuery.parse(Map.of("stdout", "1")).tail());
  }

  @Test
  void rejectsNoStreamAndBadTimes() {
    DockerApiException noStream = assertThrows(DockerApiException.class, () -> LogQuery.parse(Map.of()));
    DockerApiException badSince =
        assertThrows(DockerApiException.class, () -> LogQuery.parse(Map.of("stdout", "1", "since", "yesterday")));

    assertEquals(400, noStream.status().intValue());
    assertEquals("Bad parameters: you must choose at least one stream", noStream.getMessage());
    assertEquals(400, badSince.status().intValue());
    assertTrue(badSince.getMessage().contains("invalid value for since"), badSince.getMessage());
  }

  @Test
  void selectsTailThenTimeRange() {
    LogQuery lastThree = new LogQuery(true, true, false, false, null, null, 3);
    LogQuery lastThreeBeforeFour = new LogQuery(true, true, false, false, null, T0.plusSeconds(3), 3);
    LogQuery fromTwo = new LogQuery(true, true, false, false, T0.plusSeconds(1), null, -1);
    LogQuery none = new LogQuery(true, true, false, false, null, null, 0);

    assertEquals(List.of("two", "three", "four"), texts(lastThree.select(LINES)));
    assertEquals(List.of("two", "three"), texts(lastThreeBeforeFour.select(LINES)));
    assertEquals(List.of("two", "three", "four"), texts(fromTwo.select(LINES)));
    assertEquals(List.of(), texts(none.select(LINES)));
  }

  @Test
  void timestampsFormattedAsDockerDoes() {
    assertEquals("2026-01-01T00:00:00Z", LogFrames.dockerTime(T0));
    assertEquals("2026-01-01T00:00:00.5Z", LogFrames.dockerTime(T0.plusMillis(500)));
    assertEquals("2026-01-01T00:00:00.000000001Z", LogFrames.dockerTime(T0.plusNanos(1)));
  }
}
