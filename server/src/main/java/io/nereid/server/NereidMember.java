package io.nereid.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nereid.entity.EntitySettings;
import io.nereid.entity.EntitySharding;
import io.nereid.docker.ContainerService;
import io.nereid.docker.DockerEvents;
import io.nereid.docker.ImageService;
import io.nereid.docker.UnixSocketListener;
import java.nio.file.Path;
import org.apache.pekko.http.javadsl.server.Route;
import io.nereid.docker.DockerRoutes;
import io.nereid.docker.HttpUpgrade;
import io.nereid.image.ImageLoader;
import io.nereid.image.ImagePuller;
import io.nereid.image.RegistryClient;
import io.nereid.image.ImageStore;
import io.nereid.metrics.NereidMetrics;
import java.time.Clock;
import io.nereid.scheduler.ContainerPlacement;
import io.nereid.node.NodeDirectory;
import io.nereid.node.NodeMonitor;
import org.apache.pekko.actor.typed.ActorRef;
import io.nereid.scheduler.SchedulerSettings;
import io.nereid.scheduler.SchedulerSharding;
import io.nereid.server.admin.AdminRoutes;
import io.nereid.server.admin.HealthCheck;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Nereid member: its ActorSystem, cluster membership, the sharded entities and the
 * admin listener.
 */
public final class NereidMember {

  private static final Logger log = LoggerFactory.getLogger(NereidMember.class);
  public static final String SYSTEM_NAME = "nereid";
  /** The account every Docker API request runs as, until clients are told apart by certificate. */
  public static final String DEFAULT_ACCOUNT = "default";

  private final ActorSystem<Void> system;
  private final ClusterSharding sharding;
  private final ServerBinding adminBinding;
  private final HttpUpgrade.Listener dockerBinding;
  private final ServerSettings settings;
  private final ImageStore images;
  private final ActorRef<NodeMonitor.Command> monitor;
  private final ImagePuller puller;
  private final DockerEvents events;
  private final UnixSocketListener dockerSocket;

  private NereidMember(
      ActorSystem<Void> system,
      ClusterSharding sharding,
      ServerBinding adminBinding,
      HttpUpgrade.Listener dockerBinding,
      ServerSettings settings,
      ImageStore images,
      ImagePuller puller,
      ActorRef<NodeMonitor.Command> monitor,
      DockerEvents events,
      UnixSocketListener dockerSocket) {
    this.dockerSocket = dockerSocket;
    this.puller = puller;
    this.monitor = monitor;
    this.system = system;
    this.sharding = sharding;
    this.adminBinding = adminBinding;
    this.dockerBinding = dockerBinding;
    this.settings = settings;
    this.images = images;
    this.events = events;
  }

  /** This member's end of the cluster's Docker events topic. */
  public DockerEvents events() {
    return events;
  }

  /** The proxy of the cluster's node monitor, which takes the agents' heartbeats. */
  public ActorRef<NodeMonitor.Command> nodeMonitor() {
    return monitor;
  }

  /** Pulls images into {@link #images()} as {@code nereid.images} configures. */
  public ImagePuller imagePuller() {
    return puller;
  }

  /** This machine's image store, under the data directory. */
  public ImageStore images() {
    return images;
  }

  /** Returns Nereid's version from the build. */
  public static String version() {
    try (InputStream in = NereidMember.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * Starts a member with {@code config} (the journal already pointing at a reachable Cassandra),
   * joins or forms the cluster and binds the admin listener.
   */
  public static NereidMember start(Config config, ServerSettings settings) throws Exception {
    Config full = clusterConfig(settings).withFallback(config).resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), SYSTEM_NAME, full);
    try {
      Cluster cluster = Cluster.get(system);
      if (settings.seedNodes().isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      MinorityDowning.start(system, settings.minorityDownAfter());
      ClusterSharding sharding = ClusterSharding.get(system);
      DockerEvents events = DockerEvents.start(system);
      ActorRef<NodeMonitor.Command> monitor = NodeLiveness.monitor(system, sharding, settings);
      EntitySettings entitySettings = EntitySettings.fromConfig(full);
      if (entitySettings.skipCapacityCheck()) {
        log.warn(
            "UNSAFE: nereid.unsafe.skip-capacity-check is on, compute nodes accept reservations beyond their capacity address={}",
            cluster.selfMember().address());
      }
      EntitySharding.init(
          system,
          entitySettings,
          NodeLiveness.observing(SchedulerSharding.nodeObserver(sharding), monitor),
          events.containerObserver());
      SchedulerSettings schedulerSettings = SchedulerSettings.fromConfig(full);
      SchedulerSharding.init(system, sharding, schedulerSettings);
      ServerBinding admin = null;
      HttpUpgrade.Listener docker = null;
      UnixSocketListener socket = null;
      ImageStore images = ImageStore.open(settings.dataDir().toAbsolutePath().resolve("images"));
      ImagePuller puller =
          new ImagePuller(
              images, new RegistryClient(ImageSettings.fromConfig(full), Clock.systemUTC()), IMAGE_WORK);
      if (settings.hasRole(EntitySharding.CONTROL_ROLE)) {
        NodeDirectory directory = new NodeDirectory(system, sharding, settings.askTimeout());
        NereidMetrics metrics = new NereidMetrics();
        RequestMetrics requestMetrics = new RequestMetrics(metrics);
        ContainerService containers =
            containerService(system, sharding, schedulerSettings, settings, images, events, metrics);
        AdminRoutes routes =
            new AdminRoutes(
                system,
                directory,
                new HealthCheck(system),
                sharding,
                containers,
                metrics,
                settings.askTimeout(),
                settings.adminToken());
        admin =
            Http.get(system)
                .newServerAt(settings.adminHost(), settings.adminPort())
                .bind(requestMetrics.timed("admin", routes.routes()))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        log.info("admin api listening address={}", admin.localAddress());
        Route dockerRoutes =
            requestMetrics.timed(
                "docker", dockerRoutes(containers, images, events, directory, puller).routes());
        docker =
            HttpUpgrade.bind(
                    system,
                    settings.dockerHost(),
                    settings.dockerPort(),
                    dockerRoutes)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        log.info("docker api listening address={}", docker.localAddress());
        if (!settings.dockerSocket().isEmpty()) {
          socket = UnixSocketListener.bind(system, Path.of(settings.dockerSocket()), dockerRoutes);
        }
      }
      log.info(
          "member started address={} roles={}",
          cluster.selfMember().address(),
          settings.roles());
      return new NereidMember(system, sharding, admin, docker, settings, images, puller, monitor, events, socket);
    } catch (Exception e) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** Returns the container operations that the Docker API and the admin API share. */
  private static ContainerService containerService(
      ActorSystem<?> system,
      ClusterSharding sharding,
      SchedulerSettings scheduler,
      ServerSettings settings,
      ImageStore images,
      DockerEvents events,
      NereidMetrics metrics) {
    ContainerPlacement placement =
        new ContainerPlacement(sharding, scheduler.defaultPool(), settings.askTimeout(), metrics);
    return new ContainerService(
        system,
        sharding,
        placement,
        settings.askTimeout(),
        images,
        events,
        scheduler.poolSettings().defaultMemoryRequestBytes(),
        metrics);
  }

  /** Docker API routes; every request runs as the one default account for now. */
  private static DockerRoutes dockerRoutes(
      ContainerService containers,
      ImageStore images,
      DockerEvents events,
      NodeDirectory directory,
      ImagePuller puller) {
    // NOTE: docker load fills this member's image store only; a compute node on another machine
    // does not see the image.
    ImageLoader loader = new ImageLoader(images, IMAGE_WORK, Clock.systemUTC());
    return new DockerRoutes(
        version(),
        containers,
        loader,
        DEFAULT_ACCOUNT,
        events,
        directory,
        new ImageService(loader, puller, IMAGE_WORK, containers, events));
  }

  /** Runs the blocking file work of image loading, away from the actors' dispatcher. */
  private static final java.util.concurrent.Executor IMAGE_WORK =
      java.util.concurrent.Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "nereid-images");
            thread.setDaemon(true);
            return thread;
          });

  static Config clusterConfig(ServerSettings settings) {
    Map<String, Object> values = new HashMap<>();
    values.put("pekko.remote.artery.canonical.hostname", settings.clusterHost());
    values.put("pekko.remote.artery.canonical.port", settings.clusterPort());
    values.put("pekko.cluster.roles", settings.roles());
    List<String> seeds =
        settings.seedNodes().stream().map(seed -> "pekko://" + SYSTEM_NAME + "@" + seed).toList();
    values.put("pekko.cluster.seed-nodes", seeds);
    values.put(
        "pekko.cluster.split-brain-resolver.stable-after",
        settings.stableAfter().toMillis() + "ms");
    // Pekko uses stable-after here when this is off; Nereid sizes the margin for pauses itself.
    values.put("pekko.cluster.down-removal-margin", settings.downRemovalMargin().toMillis() + "ms");
    return ConfigFactory.parseMap(values);
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public ClusterSharding sharding() {
    return sharding;
  }

  /** Returns the admin listener's bound port, which differs from the configured one when that was 0. */
  public int adminPort() {
    return adminBinding == null ? -1 : adminBinding.localAddress().getPort();
  }

  /** Returns the Docker API listener's bound port, which differs from the configured one when that was 0. */
  public int dockerPort() {
    return dockerBinding == null ? -1 : dockerBinding.localAddress().getPort();
  }

  public ServerSettings settings() {
    return settings;
  }

  /** Leaves the cluster and stops the ActorSystem, waiting up to {@code timeout}. */
  public void stop(Duration timeout) {
    log.info("member stopping address={}", Cluster.get(system).selfMember().address());
    if (dockerSocket != null) {
      try {
        dockerSocket.close();
      } catch (IOException e) {
        log.warn("docker api socket not closed error={}", e.toString());
      }
    }
    CoordinatedShutdown.get(system.classicSystem()).run(CoordinatedShutdown.jvmExitReason());
    try {
      system.getWhenTerminated().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("member did not stop within {} error={}", timeout, e.toString());
    }
  }
}
