/**
 * Hard filters, one per file. Each rejects a node with a named {@link
 * io.nereid.scheduler.placement.RejectionReason}, and {@link
 * io.nereid.scheduler.placement.PlacementPipeline} sets their order.
 */
package io.nereid.scheduler.placement.filter;
