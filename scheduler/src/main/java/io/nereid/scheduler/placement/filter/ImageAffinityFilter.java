package io.nereid.scheduler.placement.filter;

import io.nereid.scheduler.placement.Expression;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.Rejection;
import io.nereid.scheduler.placement.RejectionReason;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Evaluates image affinities: {@code image==redis} requires an image on the node that matches, and
 * {@code image!=redis} requires that none does.
 *
 * <p>An image on the node matches by its reference as stored, by its repository without tag or
 * digest, and by the short Docker Hub forms of both. So {@code docker.io/library/redis:7} matches
 * {@code redis}, {@code redis:7}, {@code library/redis} and the full reference. An image id such as
 * {@code sha256:4f1a...} matches only in full.
 */
public final class ImageAffinityFilter implements ExpressionFilter {

  @Override
  public boolean handles(Expression expression) {
    return expression.kind() == Expression.Kind.AFFINITY
        && expression.key().equals(Expression.IMAGE_KEY);
  }

  @Override
  public boolean isSatisfied(Expression expression, NodeView node) {
    return expression.isSatisfied(firstMatchingImage(expression, node).isPresent());
  }

  @Override
  public Rejection reject(Expression expression, NodeView node) {
    if (expression.operator() == Expression.Operator.EQUALS) {
      return new Rejection(
          node.id(),
          RejectionReason.IMAGE_AFFINITY_UNMET,
          expression.text(),
          "no image on the node matches");
    }
    String image = firstMatchingImage(expression, node).orElse("");
    return new Rejection(
        node.id(),
        RejectionReason.IMAGE_ANTI_AFFINITY_VIOLATED,
        expression.text(),
        "image " + image + " is on the node");
  }

  private static Optional<String> firstMatchingImage(Expression expression, NodeView node) {
    for (String image : node.images()) {
      for (String name : namesOf(image)) {
        if (expression.value().matches(name)) {
          return Optional.of(image);
        }
      }
    }
    return Optional.empty();
  }

  /** Returns the names under which an image reference matches, the reference itself first. */
  static Set<String> namesOf(String reference) {
    Set<String> names = new LinkedHashSet<>();
    String repository = repositoryOf(reference);
    for (String name : new String[] {reference, repository}) {
      names.add(name);
      String withoutRegistry = name.startsWith("docker.io/") ? name.substring(10) : name;
      names.add(withoutRegistry);
      if (withoutRegistry.startsWith("library/")) {
        names.add(withoutRegistry.substring(8));
      }
    }
    return names;
  }

  /**
   * Strips the digest ({@code @sha256:...}) and the tag ({@code :7}) from a reference. A colon
   * before the last slash belongs to a registry port, as in {@code registry:5000/app}.
   */
  private static String repositoryOf(String reference) {
    if (reference.startsWith("sha256:")) {
      return reference;
    }
    String name = reference;
    int at = name.indexOf('@');
    if (at >= 0) {
      name = name.substring(0, at);
    }
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      name = name.substring(0, colon);
    }
    return name;
  }
}
