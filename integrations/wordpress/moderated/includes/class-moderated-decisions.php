<?php
/**
 * wp-admin decisions go back to moderated.
 *
 * When an editor changes a comment's status (Approve, Spam, Not spam, Trash,
 * in the list, in bulk or on the comment's screen), WordPress fires
 * `transition_comment_status`. The plugin sends the matching decision to
 * POST /v1/comments/{id}/decision with the moderator token, so it becomes a
 * label for the site's learning loop:
 *
 *   → approved                              approve  (label ham)
 *   → spam                                  spam     (label spam)
 *   spam → pending ("Not spam")             approve  (label ham)
 *   approved or pending → trash             reject   (label rejected)
 *
 * Other moves (unapprove, restore from trash, empty spam) are not decisions.
 * A decision that cannot be delivered (daemon down, the comment not sent
 * yet, claimed by a moderator in the console) waits in the comment's
 * `_moderated_outbox` meta; Moderated_Sync sends it later. Status changes the
 * plugin makes itself (webhooks, late verdicts) are not sent back. Without a
 * moderator token nothing is sent.
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Outbound decisions.
 */
class Moderated_Decisions {

	/** @var int Nesting depth of quietly(): status changes inside are ours. */
	private static $quiet = 0;

	/**
	 * Hooks.
	 */
	public static function init() {
		add_action( 'transition_comment_status', array( __CLASS__, 'on_transition' ), 10, 3 );
	}

	/**
	 * Runs $fn without sending the status changes it makes back to moderated.
	 *
	 * @param callable $fn Code that changes comment statuses.
	 * @return mixed What $fn returns.
	 */
	public static function quietly( callable $fn ) {
		++self::$quiet;
		try {
			return $fn();
		} finally {
			--self::$quiet;
		}
	}

	/**
	 * The decision for a status change, or null when it is none.
	 *
	 * @param string $new approved | unapproved | spam | trash | delete.
	 * @param string $old The same.
	 * @return string|null
	 */
	public static function decision_for( $new, $old ) {
		if ( 'approved' === $new ) {
			return 'approve';
		}
		if ( 'spam' === $new ) {
			return 'spam';
		}
		if ( 'unapproved' === $new && 'spam' === $old ) {
			return 'approve';
		}
		if ( 'trash' === $new && ( 'approved' === $old || 'unapproved' === $old ) ) {
			return 'reject';
		}
		return null;
	}

	/**
	 * `transition_comment_status`.
	 *
	 * @param string     $new     New status.
	 * @param string     $old     Old status.
	 * @param WP_Comment $comment The comment.
	 */
	public static function on_transition( $new, $old, $comment ) {
		if ( self::$quiet > 0 || ! Moderated_Settings::is_configured() ) {
			return;
		}
		$decision = self::decision_for( (string) $new, (string) $old );
		if ( null === $decision ) {
			return;
		}
		$comment_id = (int) $comment->comment_ID;
		$user       = wp_get_current_user();
		$who        = $user && $user->exists() ? $user->user_login : __( 'WordPress', 'moderated' );
		$note       = sprintf( 'WordPress: %s → %s by %s', $old, $new, $who );
		self::send_or_queue( $comment_id, $decision, $note );
	}

	/**
	 * Sends a decision now, or queues it in the comment's meta.
	 *
	 * A comment moderated has never seen (older than the plugin) is queued
	 * for sending first; the decision follows once it has moderated's id.
	 *
	 * @param int    $comment_id WordPress comment id.
	 * @param string $decision   approve | reject | spam.
	 * @param string $note       Why.
	 */
	public static function send_or_queue( $comment_id, $decision, $note ) {
		if ( '' === (string) Moderated_Settings::get( 'moderator_token' ) ) {
			return; // Decisions need a moderator token; the settings page's test says so.
		}
		$outbox = array(
			'decision' => $decision,
			'note'     => $note,
			'at'       => time(),
		);
		update_comment_meta( $comment_id, '_moderated_outbox', $outbox );
		if ( '' === (string) get_comment_meta( $comment_id, '_moderated_id', true ) ) {
			// Not judged yet: send the comment first (Moderated_Sync), then the decision.
			if ( '' === (string) get_comment_meta( $comment_id, '_moderated_external_id', true ) ) {
				update_comment_meta( $comment_id, '_moderated_external_id', wp_generate_uuid4() );
			}
			$state = (string) get_comment_meta( $comment_id, '_moderated_state', true );
			if ( 'failed' !== $state ) {
				update_comment_meta( $comment_id, '_moderated_state', 'unsent' );
				update_option( Moderated_Store::BACKLOG_OPTION, 1, false );
			}
			return;
		}
		self::flush( $comment_id );
	}

	/**
	 * Sends the comment's queued decision. True when nothing is left queued.
	 *
	 * @param int $comment_id WordPress comment id.
	 * @return bool
	 */
	public static function flush( $comment_id ) {
		$outbox = get_comment_meta( $comment_id, '_moderated_outbox', true );
		if ( ! is_array( $outbox ) || empty( $outbox['decision'] ) ) {
			return true;
		}
		$moderated_id = (int) get_comment_meta( $comment_id, '_moderated_id', true );
		if ( $moderated_id <= 0 || '' === (string) Moderated_Settings::get( 'moderator_token' ) ) {
			return false;
		}
		// Its webhook may arrive before this request sees the answer: mark it as ours.
		update_comment_meta(
			$comment_id,
			'_moderated_echo',
			array(
				'decision' => $outbox['decision'],
				'at'       => time(),
			)
		);
		$result = ( new Moderated_Client() )->decide( $moderated_id, $outbox['decision'], isset( $outbox['note'] ) ? $outbox['note'] : '' );
		if ( $result->ok() ) {
			$at = isset( $result->json['decision']['created_at'] ) ? Moderated_Store::time_ms( $result->json['decision']['created_at'] ) : 0;
			// First the time, then the mark: a webhook handler that finds no mark finds the time.
			Moderated_Store::raise_synced_ms( $comment_id, $at );
			delete_comment_meta( $comment_id, '_moderated_echo' );
			delete_comment_meta( $comment_id, '_moderated_outbox' );
			delete_comment_meta( $comment_id, '_moderated_error' );
			return true;
		}
		delete_comment_meta( $comment_id, '_moderated_echo' );
		if ( 404 === $result->status ) {
			// moderated no longer has the comment (retention, erasure): nothing to label.
			delete_comment_meta( $comment_id, '_moderated_outbox' );
			return true;
		}
		update_comment_meta( $comment_id, '_moderated_error', $result->error );
		update_option( Moderated_Store::BACKLOG_OPTION, 1, false );
		return false;
	}
}
