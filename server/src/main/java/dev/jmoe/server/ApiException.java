package dev.jmoe.server;

/**
 * A request the API refuses, with the HTTP status and OpenAI's error fields ({@code error.message}, {@code error.type},
 * {@code error.param}).
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String type;
    private final String param;

    public ApiException(int status, String type, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    /** 400 invalid_request_error naming the offending parameter (null when it is the body as a whole). */
    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }
}
