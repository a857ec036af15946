package io.nereid.scheduler.placement.filter;

import io.nereid.scheduler.placement.Expression;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacedContainer;
import io.nereid.scheduler.placement.Rejection;
import io.nereid.scheduler.placement.RejectionReason;
import io.nereid.scheduler.placement.ValuePattern;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Evaluates affinities to the containers on a node. {@code container==db} requires a container
 * there whose name or id matches, and {@code container!=web*} requires that none does. Any other
 * key is a container label: {@code com.example.role==db} requires a container there whose label
 * {@code com.example.role} matches {@code db}, and {@code !=} requires that none does.
 *
 * <p>An exact value also matches a container id by prefix when it is at least 12 lowercase hex
 * digits, the short id that {@code docker ps} prints. Globs and regular expressions match names and
 * full ids. A container without the label has no value to match, as in {@link ConstraintFilter}.
 */
public final class ContainerAffinityFilter implements ExpressionFilter {

  private static final Pattern SHORT_ID = Pattern.compile("[0-9a-f]{12,64}");

  @Override
  public boolean handles(Expression expression) {
    return expression.kind() == Expression.Kind.AFFINITY
        && !expression.key().equals(Expression.IMAGE_KEY);
  }

  @Override
  public boolean isSatisfied(Expression expression, NodeView node) {
    return expression.isSatisfied(firstMatchingContainer(expression, node).isPresent());
  }

  @Override
  public Rejection reject(Expression expression, NodeView node) {
    boolean byLabel = !expression.key().equals(Expression.CONTAINER_KEY);
    if (expression.operator() == Expression.Operator.EQUALS) {
      String detail =
          byLabel
              ? "no container on the node has a matching label " + expression.key()
              : "no container on the node matches";
      return new Rejection(
          node.id(), RejectionReason.CONTAINER_AFFINITY_UNMET, expression.text(), detail);
    }
    PlacedContainer container = firstMatchingContainer(expression, node).orElseThrow();
    String detail =
        byLabel
            ? "container "
                + displayName(container)
                + " has "
                + expression.key()
                + "="
                + container.labels().get(expression.key())
            : "container " + displayName(container) + " matches";
    return new Rejection(
        node.id(), RejectionReason.CONTAINER_ANTI_AFFINITY_VIOLATED, expression.text(), detail);
  }

  private static Optional<PlacedContainer> firstMatchingContainer(
      Expression expression, NodeView node) {
    boolean byLabel = !expression.key().equals(Expression.CONTAINER_KEY);
    for (PlacedContainer container : node.containers()) {
      boolean matched =
          byLabel
              ? labelMatches(expression, container)
              : identityMatches(expression.value(), container);
      if (matched) {
        return Optional.of(container);
      }
    }
    return Optional.empty();
  }

  private static boolean labelMatches(Expression expression, PlacedContainer container) {
    String label = container.labels().get(expression.key());
    return label != null && expression.value().matches(label);
  }

  private static boolean identityMatches(ValuePattern value, PlacedContainer container) {
    if (value.matches(container.name()) || value.matches(container.id())) {
      return true;
    }
    return value.type() == ValuePattern.Type.EXACT
        && SHORT_ID.matcher(value.text()).matches()
        && container.id().startsWith(value.text());
  }

  private static String displayName(PlacedContainer container) {
    return container.name().isEmpty() ? container.id() : container.name();
  }
}
