package io.nereid.persistence;

/**
 * Marker for every message that leaves a JVM or reaches the journal: events, snapshots of entity
 * state, commands and replies sent between cluster members. The binding in this module's
 * {@code reference.conf} serializes them with Jackson CBOR; Java serialization is switched off.
 *
 * <p>Every event class that implements this interface is part of the journal format. Change one
 * only together with a Jackson migration and a test that reads the old form.
 */
public interface CborSerializable {}
