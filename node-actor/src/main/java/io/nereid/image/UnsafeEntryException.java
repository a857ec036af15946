package io.nereid.image;

/**
 * A tar member that Nereid refuses to unpack because it could write outside the target directory
 * or create a device node: a path with {@code ..} or a leading slash, a path through a symbolic
 * link, a link whose target escapes, or a character or block device.
 */
public class UnsafeEntryException extends TarFormatException {

  private final String entryName;

  public UnsafeEntryException(String entryName, String reason) {
    super("unsafe tar member '" + entryName + "': " + reason);
    this.entryName = entryName;
  }

  public String entryName() {
    return entryName;
  }
}
