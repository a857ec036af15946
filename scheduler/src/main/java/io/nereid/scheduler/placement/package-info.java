/**
 * The placement engine: chooses a compute node for a container, or explains why none fits. It
 * depends on nothing but the JDK and does no I/O, so the scheduler shard that owns a pool calls it
 * synchronously.
 *
 * <p>A {@link io.nereid.scheduler.placement.PlacementRequest} carries the container's demand and
 * its Swarm-style constraints and affinities, parsed by {@link
 * io.nereid.scheduler.placement.ExpressionParser}. A {@link io.nereid.scheduler.placement.PoolView}
 * contains the pool's nodes and the index over them. {@link
 * io.nereid.scheduler.placement.PlacementEngine} runs the {@link
 * io.nereid.scheduler.placement.PlacementPipeline}, whose hard filters live in the {@code filter}
 * package and whose scorers live in the {@code score} package, and returns a {@link
 * io.nereid.scheduler.placement.PlacementDecision} with every score and rejection it saw.
 */
package io.nereid.scheduler.placement;
