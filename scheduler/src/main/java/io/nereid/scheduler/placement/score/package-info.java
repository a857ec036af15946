/**
 * Scorers, one per strategy, with the scarcity weights and utilization they share. Each scorer also
 * sets the order in which a search visits nodes and the bound that lets it stop early.
 */
package io.nereid.scheduler.placement.score;
