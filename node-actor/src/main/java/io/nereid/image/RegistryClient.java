package io.nereid.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client for the read side of the Docker Registry HTTP API V2 (the OCI distribution spec):
 * manifests and blobs, with anonymous access, HTTP basic authentication, and bearer tokens from
 * the token service a registry names in its {@code WWW-Authenticate} challenge.
 *
 * <p>Every manifest and blob it returns has been checked against its digest. Redirects are
 * followed by hand, at most five, so credentials are never sent to a host other than the
 * registry.
 *
 * <p>Methods block on network I/O, so call them from an executor meant for blocking work.
 */
public final class RegistryClient {

  private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);
  private static final int MAX_REDIRECTS = 5;
  // A manifest holds only descriptors, so real ones are far smaller. The cap keeps a hostile
  // registry from filling memory.
  private static final int MAX_MANIFEST_BYTES = 4 << 20;
  private static final int MAX_CONFIG_BYTES = 8 << 20;
  private static final String MANIFEST_ACCEPT =
      String.join(
          ", ",
          MediaTypes.OCI_INDEX,
          MediaTypes.DOCKER_MANIFEST_LIST,
          MediaTypes.OCI_MANIFEST,
          MediaTypes.DOCKER_MANIFEST);

  /**
   * One place to pull a repository from.
   *
   * @param registry the host and port whose credentials apply
   * @param mirror true for a Docker Hub mirror, which the puller falls back from
   */
  public record Endpoint(URI base, String registry, boolean mirror) {}

  /** A manifest or index document and the digest it was verified against. */
  public record ManifestResponse(byte[] body, String mediaType, Digest digest) {}

  private record Token(String value, Instant expires) {}

  private final RegistryConfig config;
  private final HttpClient http;
  private final Clock clock;
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  // Registries that answered with a basic challenge get the header on the first try next time.
  private final Map<String, Boolean> basicRegistries = new ConcurrentHashMap<>();

  public RegistryClient(RegistryConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(config.requestTimeout())
            .build();
  }

  public RegistryConfig config() {
    return config;
  }

  /** Returns where to pull {@code reference} from: the Docker Hub mirrors first, then the registry. */
  public List<Endpoint> endpoints(ImageReference reference) {
    List<Endpoint> endpoints = new ArrayList<>();
    if (reference.domain().equals(ImageReference.DOCKER_HUB)) {
      for (URI mirror : config.dockerHubMirrors()) {
        endpoints.add(new Endpoint(withoutTrailingSlash(mirror), mirror.getAuthority(), true));
      }
      endpoints.add(new Endpoint(RegistryConfig.DOCKER_HUB_ENDPOINT, ImageReference.DOCKER_HUB, false));
    } else {
      String scheme = config.isInsecure(reference.domain()) ? "http" : "https";
      endpoints.add(new Endpoint(URI.create(scheme + "://" + reference.domain()), reference.domain(), false));
    }
    return endpoints;
  }

  /**
   * Fetches a manifest or index by tag or digest. When {@code reference} is a digest the body must
   * hash to it. Otherwise it must hash to the {@code Docker-Content-Digest} header if the registry
   * sends one.
   *
   * @throws ImageNotFoundException if the registry does not have it
   * @throws DigestMismatchException if the body does not match its digest
   */
  public ManifestResponse manifest(Endpoint endpoint, String repository, String reference)
      throws IOException {
    URI uri = endpoint.base().resolve("/v2/" + repository + "/manifests/" + reference);
    HttpResponse<InputStream> response = get(endpoint, repository, uri, MANIFEST_ACCEPT);
    byte[] body = readLimited(response, MAX_MANIFEST_BYTES, "manifest " + repository + ":" + reference);
    Digest expected = null;
    if (reference.contains(":")) {
      expected = Digest.parse(reference); // a tag cannot contain a colon, so this is a digest
    } else {
      String header = response.headers().firstValue("Docker-Content-Digest").orElse("");
      if (!header.isEmpty()) {
        expected = Digest.parse(header);
      }
    }
    Digest actual = Digest.sha256(body);
    if (expected != null) {
      verifyDigest("manifest " + repository + ":" + reference + " from " + endpoint.base(), expected, body);
      actual = expected;
    }
    String mediaType = response.headers().firstValue("Content-Type").orElse("");
    return new ManifestResponse(body, mediaType, actual);
  }

  /** Fetches a small blob, such as an image config, into memory and checks its digest and size. */
  public byte[] smallBlob(Endpoint endpoint, String repository, Descriptor descriptor)
      throws IOException {
    if (descriptor.size() > MAX_CONFIG_BYTES) {
      throw new ManifestException(
          "blob " + descriptor.digest() + " is " + descriptor.size() + " bytes, above the 8 MiB limit for configs");
    }
    HttpResponse<InputStream> response = get(endpoint, repository, blobUri(endpoint, repository, descriptor.digest()), "*/*");
    byte[] body = readLimited(response, MAX_CONFIG_BYTES, "blob " + descriptor.digest());
    verifyDigest("blob of " + repository, descriptor.digest(), body);
    if (body.length != descriptor.size()) {
      throw new DigestMismatchException(
          "blob of " + repository + " size", descriptor.digest(), body.length + " bytes instead of " + descriptor.size());
    }
    return body;
  }

  /**
   * Opens a blob for streaming. The caller checks the digest while reading, as
   * {@link LayerStore#put} does, and must close the stream.
   */
  public InputStream openBlob(Endpoint endpoint, String repository, Digest digest) throws IOException {
    return get(endpoint, repository, blobUri(endpoint, repository, digest), "*/*").body();
  }

  private static void verifyDigest(String subject, Digest expected, byte[] body)
      throws DigestMismatchException {
    byte[] actual = expected.newMessageDigest().digest(body);
    if (!expected.matches(actual)) {
      throw new DigestMismatchException(
          subject, expected, expected.algorithm() + ":" + HexFormat.of().formatHex(actual));
    }
  }

  private static URI blobUri(Endpoint endpoint, String repository, Digest digest) {
    return endpoint.base().resolve("/v2/" + repository + "/blobs/" + digest);
  }

  /** Sends a GET, answering one authentication challenge, and fails on any non-2xx status. */
  private HttpResponse<InputStream> get(Endpoint endpoint, String repository, URI uri, String accept)
      throws IOException {
    String scope = "repository:" + repository + ":pull";
    HttpResponse<InputStream> response = exchange(uri, accept, cachedAuthorization(endpoint, scope));
    if (response.statusCode() == 401) {
      String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
      String body = readError(response);
      String authorization = authorize(endpoint, challenge, scope, body);
      response = exchange(uri, accept, authorization);
      if (response.statusCode() == 401) {
        throw new RegistryException(
            "authentication to " + endpoint.registry() + " failed for " + repository + ": "
                + readError(response) + "; check the credentials configured for " + endpoint.registry(),
            401);
      }
    }
    int status = response.statusCode();
    if (status == 404) {
      throw new ImageNotFoundException(
          uri.getPath() + " not found on " + endpoint.base() + ": " + readError(response));
    }
    if (status / 100 != 2) {
      throw new RegistryException(
          "GET " + uri + " failed with HTTP " + status + ": " + readError(response), status);
    }
    return response;
  }

  private HttpResponse<InputStream> exchange(URI uri, String accept, String authorization)
      throws IOException {
    URI current = uri;
    String currentAuthorization = authorization;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(current).GET().timeout(config.requestTimeout()).header("Accept", accept);
      if (currentAuthorization != null) {
        request.header("Authorization", currentAuthorization);
      }
      HttpResponse<InputStream> response = send(request.build());
      int status = response.statusCode();
      if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
        return response;
      }
      String location = response.headers().firstValue("Location").orElse("");
      response.body().close();
      if (location.isEmpty()) {
        throw new RegistryException("HTTP " + status + " from " + current + " without a Location header", status);
      }
      URI next = current.resolve(location);
      if (!Objects.equals(next.getAuthority(), current.getAuthority())
          || !Objects.equals(next.getScheme(), current.getScheme())) {
        currentAuthorization = null; // blob storage such as S3 gets a signed URL, not our login
      }
      current = next;
    }
    throw new RegistryException("more than " + MAX_REDIRECTS + " redirects for " + uri, 0);
  }

  private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("interrupted while requesting " + request.uri(), e);
    } catch (IOException e) {
      throw new RegistryException("request to " + request.uri() + " failed: " + describe(e), e);
    }
  }

  /**
   * Returns why a request failed, in words. The HTTP client's exceptions often carry no message,
   * such as a ConnectException caused by an UnresolvedAddressException when DNS has no answer.
   */
  static String describe(IOException failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.nio.channels.UnresolvedAddressException
          || cause instanceof java.net.UnknownHostException) {
        return "the registry's host name does not resolve";
      }
    }
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
        return cause.getMessage();
      }
    }
    if (failure instanceof java.net.ConnectException) {
      return "could not connect to the registry";
    }
    return failure.getClass().getSimpleName();
  }

  private String cachedAuthorization(Endpoint endpoint, String scope) {
    Token token = tokens.get(tokenKey(endpoint, scope));
    if (token != null && token.expires().isAfter(clock.instant())) {
      return "Bearer " + token.value();
    }
    RegistryCredentials login = config.credentials().get(endpoint.registry());
    if (login != null && basicRegistries.containsKey(endpoint.registry())) {
      return basicHeader(login);
    }
    return null;
  }

  private String authorize(Endpoint endpoint, String challenge, String scope, String errorBody)
      throws IOException {
    RegistryCredentials login = config.credentials().get(endpoint.registry());
    String scheme = challenge.split(" ", 2)[0];
    if (scheme.equalsIgnoreCase("Basic")) {
      if (login == null) {
        throw new RegistryException(
            endpoint.registry() + " requires a login and no credentials are configured for it: " + errorBody, 401);
      }
      basicRegistries.put(endpoint.registry(), true);
      return basicHeader(login);
    }
    if (scheme.equalsIgnoreCase("Bearer")) {
      Map<String, String> parameters = parseChallengeParameters(challenge.substring(scheme.length()));
      Token token = fetchToken(endpoint, parameters, scope, login);
      tokens.put(tokenKey(endpoint, scope), token);
      return "Bearer " + token.value();
    }
    throw new RegistryException(
        endpoint.registry() + " answered 401 with an unsupported challenge '" + challenge + "': " + errorBody, 401);
  }

  private Token fetchToken(
      Endpoint endpoint, Map<String, String> parameters, String scope, RegistryCredentials login)
      throws IOException {
    String realm = parameters.get("realm");
    if (realm == null || realm.isEmpty()) {
      throw new RegistryException(endpoint.registry() + " sent a bearer challenge without a realm", 401);
    }
    StringBuilder query = new StringBuilder();
    if (parameters.containsKey("service")) {
      query.append("service=").append(URLEncoder.encode(parameters.get("service"), StandardCharsets.UTF_8));
    }
    // The registry checks the scope named in its challenge, so ask for ours only when it names none.
    String requestedScope = parameters.getOrDefault("scope", scope);
    query.append(query.length() > 0 ? "&" : "").append("scope=")
        .append(URLEncoder.encode(requestedScope, StandardCharsets.UTF_8));
    URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);

    HttpRequest.Builder request = HttpRequest.newBuilder(tokenUri).GET().timeout(config.requestTimeout());
    if (login != null) {
      request.header("Authorization", basicHeader(login));
    }
    HttpResponse<InputStream> response = send(request.build());
    if (response.statusCode() / 100 != 2) {
      throw new RegistryException(
          "token request to " + realm + " for " + endpoint.registry() + " failed with HTTP "
              + response.statusCode() + ": " + readError(response)
              + (login == null ? "; no credentials are configured for " + endpoint.registry() : ""),
          response.statusCode());
    }
    JsonNode body = ImageJson.MAPPER.readTree(readLimited(response, 1 << 20, "token response"));
    String value = body.path("token").asText(body.path("access_token").asText(""));
    if (value.isEmpty()) {
      throw new RegistryException("token response from " + realm + " holds no token", response.statusCode());
    }
    // The token spec says a token lives 60 seconds unless expires_in says otherwise.
    long lifetime = body.path("expires_in").asLong(60);
    log.debug("got a bearer token from {} for {}", realm, requestedScope);
    return new Token(value, clock.instant().plusSeconds(Math.max(lifetime - 5, 1)));
  }

  /** Parses {@code realm="...",service="...",scope="..."}; quoted values may hold commas. */
  static Map<String, String> parseChallengeParameters(String text) {
    Map<String, String> parameters = new LinkedHashMap<>();
    int i = 0;
    while (i < text.length()) {
      while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == ',')) {
        i++;
      }
      int equals = text.indexOf('=', i);
      if (equals < 0) {
        break;
      }
      String key = text.substring(i, equals).trim().toLowerCase();
      i = equals + 1;
      StringBuilder value = new StringBuilder();
      if (i < text.length() && text.charAt(i) == '"') {
        i++;
        while (i < text.length() && text.charAt(i) != '"') {
          if (text.charAt(i) == '\\' && i + 1 < text.length()) {
            i++;
          }
          value.append(text.charAt(i++));
        }
        i++; // closing quote
      } else {
        while (i < text.length() && text.charAt(i) != ',') {
          value.append(text.charAt(i++));
        }
      }
      parameters.put(key, value.toString().trim());
    }
    return parameters;
  }

  private static String basicHeader(RegistryCredentials login) {
    String pair = login.username() + ":" + login.password();
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  private static String tokenKey(Endpoint endpoint, String scope) {
    return endpoint.base() + " " + scope;
  }

  private static URI withoutTrailingSlash(URI uri) {
    String text = uri.toString();
    return text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : uri;
  }

  private static byte[] readLimited(HttpResponse<InputStream> response, int limit, String subject)
      throws IOException {
    try (InputStream body = response.body()) {
      byte[] data = body.readNBytes(limit + 1);
      if (data.length > limit) {
        throw new ManifestException(subject + " is larger than the " + limit + " byte limit");
      }
      return data;
    }
  }

  /** Returns the registry's error text: the messages of its JSON error list, or the raw body. */
  private static String readError(HttpResponse<InputStream> response) {
    try (InputStream body = response.body()) {
      byte[] data = body.readNBytes(8192);
      String text = new String(data, StandardCharsets.UTF_8).trim();
      try {
        JsonNode errors = ImageJson.MAPPER.readTree(data).path("errors");
        List<String> messages = new ArrayList<>();
        for (JsonNode error : errors) {
          messages.add(error.path("code").asText() + " " + error.path("message").asText());
        }
        if (!messages.isEmpty()) {
          return String.join("; ", messages);
        }
      } catch (IOException notJson) {
        // fall through to the raw text
      }
      return text.isEmpty() ? "(empty response)" : text;
    } catch (IOException e) {
      return "(response body unreadable: " + e.getMessage() + ")";
    }
  }
}
