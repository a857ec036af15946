package io.nereid.image;

import java.util.Set;

/** Media types of the Docker v2 schema 2 and OCI image formats that Nereid reads. */
public final class MediaTypes {

  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_SCHEMA1_MANIFEST =
      "application/vnd.docker.distribution.manifest.v1+json";
  public static final String DOCKER_SCHEMA1_SIGNED_MANIFEST =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";

  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

  /** Layer types Nereid can unpack: plain tar and gzip, in Docker's and OCI's spelling. */
  public static final Set<String> SUPPORTED_LAYERS =
      Set.of(DOCKER_LAYER_GZIP, OCI_LAYER, OCI_LAYER_GZIP, "application/vnd.docker.image.rootfs.diff.tar");

  public static final Set<String> INDEXES = Set.of(DOCKER_MANIFEST_LIST, OCI_INDEX);
  public static final Set<String> MANIFESTS = Set.of(DOCKER_MANIFEST, OCI_MANIFEST);

  private MediaTypes() {}
}
