package io.nereid.chaos;

/** The faults the harness injects, each into one process it started (or into all of them). */
enum Fault {
  /** SIGKILL to one control member; it is started again after the hold time. */
  KILL_CONTROL,
  /** SIGKILL to one Cassandra node; it is started again after the hold time. */
  KILL_CASSANDRA,
  /**
   * SIGSTOP to one control member for the hold time, longer than the failure detector and the
   * Split Brain Resolver's delay, then SIGCONT.
   */
  PAUSE_CONTROL,
  /** SIGSTOP to one Cassandra node for the hold time, then SIGCONT. */
  PAUSE_CASSANDRA,
  /**
   * SIGKILL to one compute member; healing starts it again, after its node may have been marked
   * lost.
   */
  KILL_COMPUTE,
  /** SIGKILL to every member and SIGTERM to every Cassandra node, then all started again. */
  RESTART_CLUSTER,
  /**
   * A network partition that cuts one control member off from every other member for the hold
   * time, longer than the failure detector and the Split Brain Resolver's delay. The resolver
   * downs the isolated member, and healing starts it again.
   */
  PARTITION_CONTROL,
  /** The same partition around one compute member; its node may be marked lost meanwhile. */
  PARTITION_COMPUTE,
  /**
   * A partition around control member {@code target} and compute member {@code target} together,
   * two members against four.
   */
  PARTITION_PAIR;

  /** Returns whether this fault cuts the network around control member {@code target}. */
  boolean isolatesControl() {
    return this == PARTITION_CONTROL || this == PARTITION_PAIR;
  }

  /** Returns whether this fault cuts the network around compute member {@code target}. */
  boolean isolatesCompute() {
    return this == PARTITION_COMPUTE || this == PARTITION_PAIR;
  }
}
