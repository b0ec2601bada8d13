package org.cortexprior.recordings;

import java.util.Objects;

/**
 * Identity of one recording session: the animal (or subject, or data set where the subject is not
 * named), the session (usually the recording date) and the scan within it. The canonical string form
 * {@code animal/session/scan}, for example {@code v4-cowley2023/210325/1}, is the Kafka key of every
 * record the session publishes. Immutable.
 *
 * @param animal animal or subject id; must not contain '/'
 * @param session session id, usually a date such as 210325; must not contain '/'
 * @param scan scan number within the session, 1 when the format has no scans
 */
public record SessionId(String animal, String session, int scan) {

    public SessionId {
        Objects.requireNonNull(animal, "animal");
        Objects.requireNonNull(session, "session");
        if (animal.isEmpty() || animal.contains("/") || session.isEmpty() || session.contains("/")) {
            throw new IllegalArgumentException("animal and session must be non-empty and free of '/': '"
                    + animal + "', '" + session + "'");
        }
    }

    /**
     * Parses the canonical form {@code animal/session/scan}.
     *
     * @throws IllegalArgumentException when the text has another form
     */
    public static SessionId parse(String text) {
        String[] parts = text.split("/", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("invalid session id '" + text + "': expected animal/session/scan");
        }
        try {
            return new SessionId(parts[0], parts[1], Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid session id '" + text + "': the scan must be an integer", e);
        }
    }

    /** Returns {@code animal/session/scan}. */
    public String canonical() {
        return animal + "/" + session + "/" + scan;
    }

    @Override
    public String toString() {
        return canonical();
    }
}
