<?php
/**
 * Decisions made in moderated reach WordPress: the webhook route.
 *
 * POST /wp-json/moderated/v1/webhook (or ?rest_route=/moderated/v1/webhook)
 * takes moderated's signed webhooks (docs/review.md §7, §9):
 *
 * 1. X-Moderated-Timestamp must be within five minutes of this server's
 *    clock, and X-Moderated-Signature must be sha256=HMAC-SHA256 of
 *    "timestamp.body" with the site's webhook secret (compared in constant
 *    time). Otherwise: 401, and nothing changes.
 * 2. Each event_id is applied once; a delivery of an event already applied
 *    answers 200 and changes nothing (moderated delivers at least once).
 * 3. An event older than the newest decision the comment has seen is not
 *    applied (events are not ordered across retries).
 * 4. The WordPress comment gets the status: approved → approved, pending →
 *    pending, rejected → spam (trash for a "reject" decision: off topic or
 *    rude, not spam). Setting the status it already has changes nothing.
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The REST route.
 */
class Moderated_Webhook {

	/** Seconds a signed timestamp may differ from this server's clock. */
	const TOLERANCE = 300;

	/** Seconds a "decision being sent" mark is honoured (Moderated_Decisions::flush). */
	const ECHO_SECONDS = 300;

	/**
	 * Hooks.
	 */
	public static function init() {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
	}

	/**
	 * Registers the route.
	 */
	public static function routes() {
		register_rest_route(
			'moderated/v1',
			'/webhook',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'handle' ),
				'permission_callback' => '__return_true', // The HMAC signature is the authentication.
			)
		);
	}

	/**
	 * An error answer.
	 *
	 * @param int    $status  HTTP status.
	 * @param string $code    Machine-readable code.
	 * @param string $message For people.
	 * @return WP_REST_Response
	 */
	private static function refuse( $status, $code, $message ) {
		return new WP_REST_Response(
			array(
				'code'    => $code,
				'message' => $message,
			),
			$status
		);
	}

	/**
	 * Verifies a signature. Public for tests and for the documentation.
	 *
	 * @param string $secret    The webhook secret.
	 * @param string $timestamp X-Moderated-Timestamp.
	 * @param string $signature X-Moderated-Signature.
	 * @param string $body      The raw body.
	 * @param int    $now       Unix time.
	 * @return string|null Why it is refused, or null when it is valid.
	 */
	public static function verify( $secret, $timestamp, $signature, $body, $now ) {
		if ( '' === $secret ) {
			return 'no_secret';
		}
		if ( ! is_string( $timestamp ) || ! ctype_digit( $timestamp ) || strlen( $timestamp ) > 12 ) {
			return 'bad_timestamp';
		}
		if ( abs( $now - (int) $timestamp ) > self::TOLERANCE ) {
			return 'stale_timestamp';
		}
		$expected = 'sha256=' . hash_hmac( 'sha256', $timestamp . '.' . $body, $secret );
		if ( ! is_string( $signature ) || ! hash_equals( $expected, $signature ) ) {
			return 'bad_signature';
		}
		return null;
	}

	/**
	 * The route's callback.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response
	 */
	public static function handle( WP_REST_Request $request ) {
		$secret = (string) Moderated_Settings::get( 'webhook_secret' );
		$body   = (string) $request->get_body();
		$why    = self::verify(
			$secret,
			(string) $request->get_header( 'x_moderated_timestamp' ),
			(string) $request->get_header( 'x_moderated_signature' ),
			$body,
			time()
		);
		if ( 'no_secret' === $why ) {
			return self::refuse( 503, 'moderated_no_secret', 'This site has no webhook secret yet; open Settings → moderated.' );
		}
		if ( 'bad_timestamp' === $why || 'stale_timestamp' === $why ) {
			return self::refuse( 401, 'moderated_' . $why, 'X-Moderated-Timestamp is missing, malformed or more than 300 s away from this server\'s clock.' );
		}
		if ( null !== $why ) {
			return self::refuse( 401, 'moderated_bad_signature', 'X-Moderated-Signature does not match the body and this site\'s webhook secret.' );
		}

		$event = json_decode( $body, true );
		if ( ! is_array( $event ) || ! isset( $event['event_id'], $event['type'], $event['comment'] ) || ! is_array( $event['comment'] )
			|| ! is_string( $event['event_id'] ) || ! preg_match( '/^[0-9a-f]{32}$/', $event['event_id'] ) ) {
			return self::refuse( 400, 'moderated_bad_event', 'The body is not a moderated webhook event (event_id, type, comment).' );
		}
		update_option( 'moderated_last_webhook', time(), false );
		if ( ! in_array( $event['type'], array( 'comment.decided', 'comment.undone' ), true ) ) {
			return new WP_REST_Response( array( 'result' => 'ignored_type' ), 200 );
		}
		$site = isset( $event['site'] ) ? (string) $event['site'] : '';
		if ( strtolower( $site ) !== strtolower( (string) Moderated_Settings::get( 'site' ) ) ) {
			return self::refuse( 422, 'moderated_wrong_site', sprintf( 'This event is for site "%s"; this WordPress is configured as "%s".', $site, Moderated_Settings::get( 'site' ) ) );
		}
		if ( ! Moderated_Store::claim_event( $event['event_id'] ) ) {
			return new WP_REST_Response( array( 'result' => 'duplicate' ), 200 );
		}

		$c          = $event['comment'];
		$comment_id = Moderated_Store::find_comment(
			isset( $c['external_id'] ) && is_string( $c['external_id'] ) ? $c['external_id'] : '',
			isset( $c['id'] ) ? (int) $c['id'] : 0
		);
		if ( ! $comment_id || ! get_comment( $comment_id ) ) {
			// Perhaps not stored yet, or deleted: let moderated retry; give up is its call.
			Moderated_Store::release_event( $event['event_id'] );
			return self::refuse( 404, 'moderated_unknown_comment', 'No comment of this site has this external_id.' );
		}

		$at = Moderated_Store::time_ms( isset( $event['created_at'] ) ? $event['created_at'] : '' );
		$decision = isset( $c['decision'] ) ? (string) $c['decision'] : '';
		// A decision this site is sending right now comes back as a webhook: not applied.
		$echo = get_comment_meta( $comment_id, '_moderated_echo', true );
		if ( 'comment.decided' === $event['type'] && is_array( $echo ) && isset( $echo['decision'], $echo['at'] )
			&& $echo['decision'] === $decision && time() - (int) $echo['at'] <= self::ECHO_SECONDS ) {
			return new WP_REST_Response( array( 'result' => 'own_decision' ), 200 );
		}
		if ( $at <= Moderated_Store::synced_ms( $comment_id ) ) {
			return new WP_REST_Response( array( 'result' => 'stale' ), 200 );
		}

		$target = self::target_status( isset( $c['status'] ) ? (string) $c['status'] : '', $decision );
		if ( null === $target ) {
			Moderated_Store::release_event( $event['event_id'] );
			return self::refuse( 400, 'moderated_bad_status', 'comment.status must be approved, pending or rejected.' );
		}
		$changed = self::apply( $comment_id, $target );
		Moderated_Store::raise_synced_ms( $comment_id, $at );
		// An older wp-admin decision still waiting to be sent would undo this newer one.
		$outbox = get_comment_meta( $comment_id, '_moderated_outbox', true );
		if ( is_array( $outbox ) && isset( $outbox['at'] ) && (int) $outbox['at'] * 1000 < $at ) {
			delete_comment_meta( $comment_id, '_moderated_outbox' );
		}
		update_comment_meta(
			$comment_id,
			'_moderated_decision',
			array(
				'decision' => $decision,
				'status'   => isset( $c['status'] ) ? (string) $c['status'] : '',
				'note'     => isset( $c['note'] ) ? Moderated_Client::cut( (string) $c['note'], 1000 ) : '',
				'at'       => isset( $event['created_at'] ) ? (string) $event['created_at'] : '',
				'type'     => $event['type'],
			)
		);
		return new WP_REST_Response(
			array(
				'result'    => $changed ? 'applied' : 'unchanged',
				'comment'   => $comment_id,
				'wp_status' => $target,
			),
			200
		);
	}

	/**
	 * WordPress's status for moderated's status and decision.
	 *
	 * @param string $status   approved | pending | rejected.
	 * @param string $decision approve | reject | spam | abuse | undo.
	 * @return string|null approved | unapproved | spam | trash.
	 */
	public static function target_status( $status, $decision ) {
		if ( 'approved' === $status ) {
			return 'approved';
		}
		if ( 'pending' === $status ) {
			return 'unapproved';
		}
		if ( 'rejected' === $status ) {
			// Without a trash (EMPTY_TRASH_DAYS = 0) trashing would delete: spam keeps it.
			return 'reject' === $decision && EMPTY_TRASH_DAYS ? 'trash' : 'spam';
		}
		return null;
	}

	/**
	 * Sets a comment's status without sending it back to moderated.
	 *
	 * @param int    $comment_id WordPress comment id.
	 * @param string $target     approved | unapproved | spam | trash.
	 * @return bool Whether the status changed.
	 */
	public static function apply( $comment_id, $target ) {
		$current = wp_get_comment_status( $comment_id ); // approved | unapproved | spam | trash.
		if ( $current === $target ) {
			return false;
		}
		return (bool) Moderated_Decisions::quietly(
			static function () use ( $comment_id, $target, $current ) {
				if ( 'spam' === $target ) {
					return wp_spam_comment( $comment_id );
				}
				if ( 'trash' === $target ) {
					return wp_trash_comment( $comment_id );
				}
				if ( 'spam' === $current || 'trash' === $current ) {
					// Leaving spam or trash by moderated's word, not WordPress's "restore".
					delete_comment_meta( $comment_id, '_wp_trash_meta_status' );
					delete_comment_meta( $comment_id, '_wp_trash_meta_time' );
				}
				return wp_set_comment_status( $comment_id, 'approved' === $target ? 'approve' : 'hold' );
			}
		);
	}
}
