package io.nereid.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An image built in memory for tests: gzip layers, a config and a schema 2 manifest, with ways
 * to write it as {@code docker save} archives and OCI layouts.
 */
public final class TestImage {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Content with its media type. */
  public record Blob(String mediaType, byte[] data) {
    public Digest digest() {
      return Digest.sha256(data);
    }

    public Descriptor descriptor() {
      return Descriptor.of(mediaType, digest(), data.length);
    }
  }

  public final List<byte[]> layerTars;
  public final List<Blob> layers = new ArrayList<>();
  public final Blob config;

  private TestImage(List<byte[]> layerTars, List<String> env, List<String> cmd, Platform platform) {
    this.layerTars = List.copyOf(layerTars);
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", platform.architecture());
    config.put("os", platform.os());
    config.put("created", "2024-01-01T00:00:00Z");
    ObjectNode process = config.putObject("config");
    env.forEach(process.putArray("Env")::add);
    cmd.forEach(process.putArray("Cmd")::add);
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    for (byte[] tar : layerTars) {
      diffIds.add(Digest.sha256(tar).toString());
      layers.add(new Blob(MediaTypes.DOCKER_LAYER_GZIP, TarBuilder.gzip(tar)));
    }
    this.config = new Blob(MediaTypes.DOCKER_CONFIG, bytes(config));
  }

  /** An image for linux/amd64 with {@code layerTars}, lowest first. */
  public static TestImage of(List<byte[]> layerTars, List<String> env, List<String> cmd) {
    return new TestImage(layerTars, env, cmd, Platform.LINUX_AMD64);
  }

  public static TestImage forPlatform(List<byte[]> layerTars, Platform platform) {
    return new TestImage(layerTars, List.of(), List.of(), platform);
  }

  /** A small two-layer image: the second layer deletes a file of the first. */
  public static TestImage twoLayers() {
    byte[] base = new TarBuilder().directory("etc", 0755).file("etc/keep", "kept\n").file("etc/drop", "dropped\n").build();
    byte[] top = new TarBuilder().file("etc/.wh.drop", "").file("etc/added", "added\n").build();
    return of(List.of(base, top), List.of("GREETING=hello"), List.of("/bin/sh"));
  }

  public Digest id() {
    return config.digest();
  }

  public List<Digest> diffIds() {
    return layerTars.stream().map(Digest::sha256).toList();
  }

  public Blob dockerManifest() {
    return manifest(MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_CONFIG);
  }

  public Blob ociManifest() {
    return manifest(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG);
  }

  private Blob manifest(String mediaType, String configType) {
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", mediaType);
    ObjectNode configNode = manifest.putObject("config");
    descriptor(configNode, configType, config);
    ArrayNode layerNodes = manifest.putArray("layers");
    for (Blob layer : layers) {
      String layerType = mediaType.equals(MediaTypes.OCI_MANIFEST) ? MediaTypes.OCI_LAYER_GZIP : layer.mediaType();
      descriptor(layerNodes.addObject(), layerType, layer);
    }
    return new Blob(mediaType, bytes(manifest));
  }

  /** A Docker manifest list pointing at {@code manifests}, each for its platform. */
  public static Blob manifestList(List<Blob> manifests, List<Platform> platforms) {
    ObjectNode list = JSON.createObjectNode();
    list.put("schemaVersion", 2);
    list.put("mediaType", MediaTypes.DOCKER_MANIFEST_LIST);
    ArrayNode entries = list.putArray("manifests");
    for (int i = 0; i < manifests.size(); i++) {
      ObjectNode entry = entries.addObject();
      descriptor(entry, manifests.get(i).mediaType(), manifests.get(i));
      ObjectNode platform = entry.putObject("platform");
      platform.put("os", platforms.get(i).os());
      platform.put("architecture", platforms.get(i).architecture());
    }
    return new Blob(MediaTypes.DOCKER_MANIFEST_LIST, bytes(list));
  }

  /**
   * Returns what {@code docker save} wrote before Docker 25: a manifest.json, the config, and each
   * layer as {@code <n>/layer.tar}. When {@code shareFirstLayer}, the first layer is stored a
   * second time as a symbolic link, as docker save does for a layer two images share.
   */
  public byte[] dockerArchive(List<String> repoTags, boolean shareFirstLayer) {
    return dockerArchive(layerTars, config, repoTags, shareFirstLayer);
  }

  /** Returns a {@code docker save} archive of {@code layerTars} described by {@code config}. */
  public static byte[] dockerArchive(
      List<byte[]> layerTars, Blob config, List<String> repoTags, boolean shareFirstLayer) {
    TarBuilder tar = new TarBuilder();
    ArrayNode manifest = JSON.createArrayNode();
    ObjectNode entry = manifest.addObject();
    String configName = config.digest().hex() + ".json";
    entry.put("Config", configName);
    repoTags.forEach(entry.putArray("RepoTags")::add);
    ArrayNode layerNames = entry.putArray("Layers");
    for (int i = 0; i < layerTars.size(); i++) {
      String name = "layer" + i + "/layer.tar";
      tar.directory("layer" + i, 0755);
      tar.file(name, 0644, layerTars.get(i));
      layerNames.add(name);
    }
    if (shareFirstLayer) {
      tar.directory("shared", 0755);
      tar.symlink("shared/layer.tar", "../layer0/layer.tar");
      layerNames.set(0, JSON.getNodeFactory().textNode("shared/layer.tar"));
    }
    tar.file(configName, 0644, config.data());
    // docker save writes manifest.json last, so a loader must not expect it first.
    tar.file("manifest.json", 0644, bytes(manifest));
    return tar.build();
  }

  /** Returns an OCI image layout tarball whose index names the image {@code name}. */
  public byte[] ociLayout(String name) {
    Blob manifest = ociManifest();
    TarBuilder tar = new TarBuilder();
    tar.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ObjectNode entry = index.putArray("manifests").addObject();
    descriptor(entry, MediaTypes.OCI_MANIFEST, manifest);
    entry.putObject("annotations").put("io.containerd.image.name", name).put("org.opencontainers.image.ref.name", "latest");
    tar.file("index.json", 0644, bytes(index));
    tar.directory("blobs", 0755).directory("blobs/sha256", 0755);
    tar.file("blobs/sha256/" + manifest.digest().hex(), 0644, manifest.data());
    tar.file("blobs/sha256/" + config.digest().hex(), 0644, config.data());
    for (Blob layer : layers) {
      tar.file("blobs/sha256/" + layer.digest().hex(), 0644, layer.data());
    }
    return tar.build();
  }

  private static void descriptor(ObjectNode node, String mediaType, Blob blob) {
    node.put("mediaType", mediaType);
    node.put("digest", blob.digest().toString());
    node.put("size", blob.data().length);
  }

  private static byte[] bytes(Object json) {
    try {
      return JSON.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
