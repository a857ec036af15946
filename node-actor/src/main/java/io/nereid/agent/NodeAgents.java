package io.nereid.agent;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.pattern.StatusReply;

/** Finds the agent of a node through the receptionist and sends it requests. */
public final class NodeAgents {

  private final ActorSystem<?> system;
  private final Duration lookupTimeout;

  public NodeAgents(ActorSystem<?> system, Duration lookupTimeout) {
    this.system = system;
    this.lookupTimeout = lookupTimeout;
  }

  /** Returns the node's agent; fails with {@link IllegalStateException} when none is registered. */
  public CompletionStage<ActorRef<NodeAgent.Command>> find(String nodeId) {
    ServiceKey<NodeAgent.Command> key = NodeAgent.serviceKey(nodeId);
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(),
            replyTo -> Receptionist.find(key, replyTo),
            lookupTimeout,
            system.scheduler())
        .thenCompose(
            listing -> {
              var agents = listing.getServiceInstances(key);
              if (agents.isEmpty()) {
                return CompletableFuture.failedFuture(
                    new IllegalStateException("no node agent serves node " + nodeId));
              }
              return CompletableFuture.completedFuture(agents.iterator().next());
            });
  }

  /**
   * Sends a request to the node's agent and waits up to {@code timeout} for its reply; fails
   * with the agent's error message when it replies with one.
   */
  public CompletionStage<Done> ask(
      String nodeId,
      Function<ActorRef<StatusReply<Done>>, NodeAgent.Command> request,
      Duration timeout) {
    return find(nodeId)
        .thenCompose(
            agent ->
                AskPattern.<NodeAgent.Command, Done>askWithStatus(
                    agent, request::apply, timeout, system.scheduler()));
  }
}
