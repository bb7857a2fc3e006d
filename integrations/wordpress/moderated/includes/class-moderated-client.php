<?php
/**
 * The HTTP client for moderated's API (docs/api.md), on WordPress's HTTP API.
 *
 * Every call returns a Moderated_Result; nothing here throws. A call is
 * bounded by the configured timeout, both to connect and to get the answer.
 * Once a call fails to reach the daemon, later calls in the same PHP request
 * fail at once instead of waiting out the timeout again.
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The outcome of one call.
 */
class Moderated_Result {
	/** @var int HTTP status, 0 when the daemon was not reached. */
	public $status = 0;
	/** @var mixed The decoded JSON body, or null. */
	public $json = null;
	/** @var string What went wrong, for people ("" on success). */
	public $error = '';
	/** @var bool True when the daemon was not reached (down, slow, refused). */
	public $unreachable = false;

	/**
	 * A 2xx answer.
	 *
	 * @return bool
	 */
	public function ok() {
		return $this->status >= 200 && $this->status < 300;
	}

	/**
	 * Worth trying again later with the same request: the daemon was not
	 * reached, was overloaded (503), or refused our token (401/403, which an
	 * administrator fixes in the settings).
	 *
	 * @return bool
	 */
	public function retryable() {
		return $this->unreachable || in_array( $this->status, array( 401, 403, 408, 429, 500, 502, 503, 504 ), true );
	}
}

/**
 * Talks to the daemon.
 */
class Moderated_Client {

	/** @var bool Set after a call could not reach the daemon in this PHP request. */
	private static $down = false;

	/** @var string */
	private $base;
	/** @var float */
	private $timeout;

	/**
	 * A client for the configured daemon, or for explicit values (the settings
	 * page's connection test).
	 *
	 * @param string|null $base    Daemon URL without a trailing slash.
	 * @param float|null  $timeout Seconds.
	 */
	public function __construct( $base = null, $timeout = null ) {
		$this->base    = untrailingslashit( null === $base ? (string) Moderated_Settings::get( 'url' ) : $base );
		$this->timeout = null === $timeout ? Moderated_Settings::timeout() : (float) $timeout;
	}

	/**
	 * Forgets that the daemon was unreachable earlier in this request.
	 */
	public static function reset_down() {
		self::$down = false;
	}

	/**
	 * POST /v1/comments: judge and store one comment.
	 *
	 * @param array $comment The comment object (docs/api.md).
	 * @return Moderated_Result
	 */
	public function submit( array $comment ) {
		return $this->call( 'POST', '/v1/comments', Moderated_Settings::get( 'site_token' ), $comment );
	}

	/**
	 * POST /v1/comments/batch.
	 *
	 * @param array $comments Up to 1000 comment objects.
	 * @return Moderated_Result
	 */
	public function submit_batch( array $comments ) {
		return $this->call( 'POST', '/v1/comments/batch', Moderated_Settings::get( 'site_token' ), array( 'comments' => array_values( $comments ) ) );
	}

	/**
	 * POST /v1/comments/{id}/decision with the moderator token.
	 *
	 * @param int    $id       moderated's comment id.
	 * @param string $decision approve | reject | spam | abuse.
	 * @param string $note     Why, for the audit log.
	 * @return Moderated_Result
	 */
	public function decide( $id, $decision, $note ) {
		return $this->call(
			'POST',
			'/v1/comments/' . absint( $id ) . '/decision',
			Moderated_Settings::get( 'moderator_token' ),
			array(
				'decision' => $decision,
				'note'     => self::cut( $note, 4096 ),
			)
		);
	}

	/**
	 * POST /v1/decisions: one decision for many comments, with the moderator token.
	 *
	 * @param int[]  $ids      moderated's comment ids (at most 500).
	 * @param string $decision approve | reject | spam | abuse.
	 * @param string $note     Why.
	 * @return Moderated_Result
	 */
	public function decide_many( array $ids, $decision, $note ) {
		return $this->call(
			'POST',
			'/v1/decisions',
			Moderated_Settings::get( 'moderator_token' ),
			array(
				'ids'      => array_values( array_map( 'intval', $ids ) ),
				'decision' => $decision,
				'note'     => self::cut( $note, 4096 ),
			)
		);
	}

	/**
	 * Any call. Public for the connection test.
	 *
	 * @param string     $method GET or POST.
	 * @param string     $path   Path and query, starting with "/".
	 * @param string     $token  Bearer token ("" = none).
	 * @param array|null $body   JSON body.
	 * @return Moderated_Result
	 */
	public function call( $method, $path, $token, $body = null ) {
		$result = new Moderated_Result();
		if ( '' === $this->base ) {
			$result->unreachable = true;
			$result->error       = __( 'No daemon URL is configured.', 'moderated' );
			return $result;
		}
		if ( self::$down ) {
			$result->unreachable = true;
			$result->error       = __( 'moderated did not answer an earlier request in this page load; not tried again.', 'moderated' );
			return $result;
		}
		$headers = array(
			'Accept' => 'application/json',
		);
		if ( '' !== (string) $token ) {
			$headers['Authorization'] = 'Bearer ' . $token;
		}
		$args = array(
			'method'      => $method,
			'timeout'     => $this->timeout,
			'redirection' => 0,
			'headers'     => $headers,
			'user-agent'  => 'moderated-wordpress/' . MODERATED_VERSION . '; ' . home_url( '/' ),
		);
		if ( null !== $body ) {
			$args['headers']['Content-Type'] = 'application/json; charset=utf-8';
			$args['body']                    = wp_json_encode( $body, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES );
			if ( false === $args['body'] ) {
				$result->error = __( 'The comment could not be encoded as JSON (invalid UTF-8?).', 'moderated' );
				return $result;
			}
		}

		// WordPress passes only the response timeout to its HTTP library; the
		// connection timeout would stay at 10 s. Bound both by ours.
		$timeout = $this->timeout;
		$bound   = static function ( &$url, &$headers, &$data, &$type, &$options ) use ( $timeout ) {
			$options['connect_timeout'] = $timeout;
		};
		add_action( 'requests-requests.before_request', $bound, 10, 5 );
		$response = wp_remote_request( $this->base . $path, $args );
		remove_action( 'requests-requests.before_request', $bound, 10 );

		if ( is_wp_error( $response ) ) {
			self::$down          = true;
			$result->unreachable = true;
			$result->error       = sprintf(
				/* translators: 1: daemon URL, 2: the error from the HTTP library */
				__( 'Could not reach moderated at %1$s: %2$s', 'moderated' ),
				$this->base,
				$response->get_error_message()
			);
			return $result;
		}
		$result->status = (int) wp_remote_retrieve_response_code( $response );
		$text           = (string) wp_remote_retrieve_body( $response );
		$result->json   = '' === $text ? null : json_decode( $text, true );
		if ( ! $result->ok() ) {
			$result->error = self::problem_text( $result->status, $result->json, $text );
		}
		return $result;
	}

	/**
	 * "HTTP 422: /author/email must be an e-mail address" from a problem document.
	 *
	 * @param int    $status HTTP status.
	 * @param mixed  $json   Decoded body.
	 * @param string $text   Raw body.
	 * @return string
	 */
	public static function problem_text( $status, $json, $text ) {
		$detail = '';
		if ( is_array( $json ) && isset( $json['detail'] ) && is_string( $json['detail'] ) ) {
			$detail = $json['detail'];
			if ( isset( $json['errors'] ) && is_array( $json['errors'] ) && count( $json['errors'] ) > 1 ) {
				$parts = array();
				foreach ( $json['errors'] as $e ) {
					if ( isset( $e['pointer'], $e['detail'] ) ) {
						$parts[] = $e['pointer'] . ' ' . $e['detail'];
					}
				}
				$detail .= ': ' . implode( '; ', $parts );
			}
		} else {
			$detail = self::cut( trim( wp_strip_all_tags( $text ) ), 200 );
		}
		return sprintf(
			/* translators: 1: HTTP status code, 2: moderated's explanation */
			__( 'moderated answered HTTP %1$d: %2$s', 'moderated' ),
			$status,
			$detail
		);
	}

	/**
	 * At most $bytes bytes of $s, cut at a UTF-8 character boundary.
	 *
	 * @param string $s     Text.
	 * @param int    $bytes Limit.
	 * @return string
	 */
	public static function cut( $s, $bytes ) {
		$s = (string) $s;
		if ( strlen( $s ) <= $bytes ) {
			return $s;
		}
		$s = substr( $s, 0, $bytes );
		// Drop a trailing partial character: continuation bytes, then its lead byte.
		$i = strlen( $s );
		while ( $i > 0 && ( ord( $s[ $i - 1 ] ) & 0xC0 ) === 0x80 ) {
			--$i;
		}
		if ( $i > 0 && ord( $s[ $i - 1 ] ) >= 0xC0 ) {
			$lead = ord( $s[ $i - 1 ] );
			$need = $lead >= 0xF0 ? 4 : ( $lead >= 0xE0 ? 3 : 2 );
			if ( strlen( $s ) - ( $i - 1 ) < $need ) {
				$s = substr( $s, 0, $i - 1 );
			}
		}
		return $s;
	}
}
