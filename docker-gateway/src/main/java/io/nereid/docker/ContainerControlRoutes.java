package io.nereid.docker;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The container endpoints that change or read a created container beyond its life cycle:
 * pause, unpause and rename.
 */
final class ContainerControlRoutes extends DockerDirectives {

  private final ContainerService containers;
  private final String account;

  ContainerControlRoutes(ContainerService containers, String account) {
    this.containers = containers;
    this.account = account;
  }

  Route route() {
    return pathPrefix(
        "containers",
        () ->
            concat(
                path(
                    PathMatchers.segment().slash("pause"),
                    reference -> post(() -> answer(noContent(containers.pause(account, reference))))),
                path(
                    PathMatchers.segment().slash("unpause"),
                    reference -> post(() -> answer(noContent(containers.unpause(account, reference))))),
                path(
                    PathMatchers.segment().slash("rename"),
                    reference ->
                        post(
                            () ->
                                parameterOptional(
                                    "name",
                                    name ->
                                        answer(
                                            noContent(
                                                containers.rename(account, reference, name.orElse("")))))))));
  }

  private static CompletionStage<HttpResponse> noContent(CompletionStage<Done> outcome) {
    return outcome.thenApply(done -> HttpResponse.create().withStatus(StatusCodes.NO_CONTENT));
  }
}
