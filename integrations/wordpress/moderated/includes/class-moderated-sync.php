<?php
/**
 * Catching up after moderated was unreachable, on WP-Cron.
 *
 * Every five minutes, and at once after a comment got through while others
 * were waiting, `moderated_sync` sends the unsent comments (in batches, with
 * the ids they were first sent with, so a comment moderated did store before
 * a timeout is not stored twice), gives the still pending ones their verdict,
 * and sends the wp-admin decisions that were waiting.
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The cron job.
 */
class Moderated_Sync {

	const HOOK     = 'moderated_sync';
	const HOOK_NOW = 'moderated_sync_now';
	const SCHEDULE = 'moderated_five_minutes';

	/** Comments per batch request. */
	const BATCH = 50;

	/**
	 * Hooks.
	 */
	public static function init() {
		add_filter( 'cron_schedules', array( __CLASS__, 'schedules' ) ); // phpcs:ignore WordPress.WP.CronInterval
		add_action( self::HOOK, array( __CLASS__, 'run' ) );
		add_action( self::HOOK_NOW, array( __CLASS__, 'run' ) );
		if ( ! wp_next_scheduled( self::HOOK ) ) {
			self::schedule();
		}
	}

	/**
	 * The five-minute schedule.
	 *
	 * @param array $schedules WordPress's schedules.
	 * @return array
	 */
	public static function schedules( $schedules ) {
		$schedules[ self::SCHEDULE ] = array(
			'interval' => 5 * MINUTE_IN_SECONDS,
			'display'  => __( 'Every five minutes (moderated)', 'moderated' ),
		);
		return $schedules;
	}

	/**
	 * Schedules the recurring event.
	 */
	public static function schedule() {
		add_filter( 'cron_schedules', array( __CLASS__, 'schedules' ) ); // phpcs:ignore WordPress.WP.CronInterval
		if ( ! wp_next_scheduled( self::HOOK ) ) {
			wp_schedule_event( time() + 5 * MINUTE_IN_SECONDS, self::SCHEDULE, self::HOOK );
		}
	}

	/**
	 * Deactivation: no more cron events.
	 */
	public static function deactivate() {
		wp_clear_scheduled_hook( self::HOOK );
		wp_clear_scheduled_hook( self::HOOK_NOW );
	}

	/**
	 * After a comment got through: if others are waiting, run the job on the
	 * next cron run instead of up to five minutes later.
	 */
	public static function kick_if_backlog() {
		if ( get_option( Moderated_Store::BACKLOG_OPTION ) && ! wp_next_scheduled( self::HOOK_NOW ) ) {
			wp_schedule_single_event( time(), self::HOOK_NOW );
		}
	}

	/**
	 * The job. Returns counts for the settings page's "Send now".
	 *
	 * @return array sent, failed, decisions, left, error.
	 */
	public static function run() {
		$out = array(
			'sent'      => 0,
			'failed'    => 0,
			'decisions' => 0,
			'left'      => 0,
			'error'     => '',
		);
		if ( ! Moderated_Settings::is_configured() ) {
			return $out;
		}
		Moderated_Client::reset_down();
		$client = new Moderated_Client();

		// 1. Unsent comments, a batch at a time.
		$seen = array();
		for ( $round = 0; $round < 20; $round++ ) {
			$ids = array_diff( Moderated_Store::comments_with_meta( '_moderated_state', 'unsent', self::BATCH ), $seen );
			if ( ! $ids ) {
				break;
			}
			$seen  = array_merge( $seen, $ids );
			$batch = self::send_batch( $client, $ids );
			$out['sent']   += $batch['sent'];
			$out['failed'] += $batch['failed'];
			if ( '' !== $batch['error'] ) {
				$out['error'] = $batch['error'];
				break;
			}
		}

		// 2. Decisions waiting in wp-admin's outbox.
		if ( '' === $out['error'] ) {
			foreach ( Moderated_Store::comments_with_meta( '_moderated_outbox', null, 500 ) as $comment_id ) {
				if ( ! get_comment( $comment_id ) ) {
					delete_comment_meta( $comment_id, '_moderated_outbox' );
					continue;
				}
				if ( '' === (string) get_comment_meta( $comment_id, '_moderated_id', true ) ) {
					continue; // Waits for its comment to be sent.
				}
				if ( Moderated_Decisions::flush( $comment_id ) ) {
					++$out['decisions'];
				}
			}
		}

		Moderated_Store::prune_events();
		$out['left'] = Moderated_Store::count_with_meta( '_moderated_state', 'unsent' ) + Moderated_Store::count_with_meta( '_moderated_outbox', null );
		if ( 0 === $out['left'] ) {
			delete_option( Moderated_Store::BACKLOG_OPTION );
		} else {
			update_option( Moderated_Store::BACKLOG_OPTION, 1, false );
		}
		return $out;
	}

	/**
	 * Sends some unsent comments in one batch request and applies the verdicts.
	 *
	 * @param Moderated_Client $client The client.
	 * @param int[]            $ids    WordPress comment ids.
	 * @return array sent, failed, error ("" unless the whole request failed).
	 */
	public static function send_batch( Moderated_Client $client, array $ids ) {
		$out      = array(
			'sent'   => 0,
			'failed' => 0,
			'error'  => '',
		);
		$comments = array();
		$payloads = array();
		foreach ( $ids as $comment_id ) {
			$comment = get_comment( $comment_id );
			if ( ! $comment ) {
				continue;
			}
			$external_id = (string) get_comment_meta( $comment_id, '_moderated_external_id', true );
			if ( '' === $external_id ) {
				$external_id = wp_generate_uuid4();
				update_comment_meta( $comment_id, '_moderated_external_id', $external_id );
			}
			$comments[] = $comment;
			$payloads[] = Moderated_Comments::payload( $comment->to_array(), $external_id );
		}
		if ( ! $payloads ) {
			return $out;
		}
		$result = $client->submit_batch( $payloads );
		if ( ! $result->ok() || ! isset( $result->json['results'] ) || ! is_array( $result->json['results'] ) ) {
			$out['error'] = '' !== $result->error ? $result->error : __( 'moderated sent an answer the plugin does not understand.', 'moderated' );
			foreach ( $comments as $comment ) {
				Moderated_Store::save_failure( (int) $comment->comment_ID, 'unsent', $out['error'] );
			}
			return $out;
		}
		foreach ( $comments as $i => $comment ) {
			$comment_id = (int) $comment->comment_ID;
			$item       = isset( $result->json['results'][ $i ] ) ? $result->json['results'][ $i ] : null;
			if ( is_array( $item ) && isset( $item['action'] ) ) {
				Moderated_Store::save_verdict( $comment_id, $item );
				Moderated_Comments::apply_late_verdict( $comment_id, (string) $item['action'] );
				Moderated_Decisions::flush( $comment_id );
				++$out['sent'];
			} else {
				$error = isset( $item['error'] ) ? Moderated_Client::problem_text( isset( $item['error']['status'] ) ? (int) $item['error']['status'] : 422, $item['error'], '' ) : __( 'moderated gave no result for this comment.', 'moderated' );
				Moderated_Store::save_failure( $comment_id, 'failed', $error );
				++$out['failed'];
			}
		}
		return $out;
	}
}
