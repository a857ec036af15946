package io.nereid.entity;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import scala.Tuple2;
import scala.collection.immutable.HashMap;
import scala.collection.immutable.HashMap$;

/**
 * An immutable map whose {@link #with} and {@link #without} share structure with the map they
 * start from, in O(log n), where {@code Map.copyOf} of a changed copy takes O(n). An entity state
 * with thousands of entries, such as an account's containers or a node's reservations, changes
 * one entry per event and would otherwise copy them all every time. Backed by Scala's immutable
 * {@code HashMap} (a hash array mapped trie), which Pekko already depends on.
 *
 * <p>It is a plain {@link Map} to Jackson, so snapshots and messages keep their format. Like
 * {@code Map.copyOf}, it rejects null keys and values and any change through the {@code Map}
 * interface.
 */
public final class SharedMap<K, V> extends AbstractMap<K, V> {

  private static final SharedMap<Object, Object> EMPTY = new SharedMap<>(HashMap$.MODULE$.empty());

  private final HashMap<K, V> entries;

  private SharedMap(HashMap<K, V> entries) {
    this.entries = entries;
  }

  @SuppressWarnings("unchecked")
  public static <K, V> SharedMap<K, V> of() {
    return (SharedMap<K, V>) EMPTY;
  }

  /** Returns {@code map} itself when it is a shared map, else a shared copy of it. */
  @SuppressWarnings("unchecked")
  public static <K, V> SharedMap<K, V> copyOf(Map<? extends K, ? extends V> map) {
    if (map instanceof SharedMap<?, ?> shared) {
      return (SharedMap<K, V>) shared;
    }
    SharedMap<K, V> copy = of();
    for (Map.Entry<? extends K, ? extends V> entry : map.entrySet()) {
      copy = copy.with(entry.getKey(), entry.getValue());
    }
    return copy;
  }

  /** Returns a copy of {@code map} with {@code key} mapped to {@code value}. */
  public static <K, V> SharedMap<K, V> with(Map<K, V> map, K key, V value) {
    return copyOf(map).with(key, value);
  }

  /** Returns a copy of {@code map} without {@code key}. */
  public static <K, V> SharedMap<K, V> without(Map<K, V> map, K key) {
    return copyOf(map).without(key);
  }

  public SharedMap<K, V> with(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return new SharedMap<>(entries.updated(key, value));
  }

  public SharedMap<K, V> without(K key) {
    return entries.contains(key) ? new SharedMap<>(entries.removed(key)) : this;
  }

  @Override
  public V get(Object key) {
    @SuppressWarnings("unchecked")
    scala.Option<V> value = entries.get((K) key);
    return value.isEmpty() ? null : value.get();
  }

  @Override
  @SuppressWarnings("unchecked")
  public boolean containsKey(Object key) {
    return key != null && entries.contains((K) key);
  }

  @Override
  public int size() {
    return entries.size();
  }

  /**
   * Returns the values, read from the trie without the entry object and the Scala tuple that
   * iterating {@link #entrySet()} creates per value.
   */
  @Override
  public Collection<V> values() {
    return new AbstractCollection<>() {
      @Override
      public Iterator<V> iterator() {
        scala.collection.Iterator<V> values = entries.valuesIterator();
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return values.hasNext();
          }

          @Override
          public V next() {
            return values.next();
          }
        };
      }

      @Override
      public int size() {
        return entries.size();
      }
    };
  }

  @Override
  public Set<Map.Entry<K, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<K, V>> iterator() {
        scala.collection.Iterator<Tuple2<K, V>> pairs = entries.iterator();
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return pairs.hasNext();
          }

          @Override
          public Map.Entry<K, V> next() {
            Tuple2<K, V> pair = pairs.next();
            return new AbstractMap.SimpleImmutableEntry<>(pair._1(), pair._2());
          }
        };
      }

      @Override
      public int size() {
        return entries.size();
      }
    };
  }
}
