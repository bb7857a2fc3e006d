<?php
/**
 * Importing existing comments, so that the site's model learns from its
 * history on day one.
 *
 * The settings page calls the AJAX action `moderated_backfill` again and
 * again with a cursor (the last comment id done) and shows the progress. Each
 * call takes the next comments that moderated has not seen, sends them with
 * POST /v1/comments/batch (site token), stores the verdicts, and sends each
 * comment's WordPress status as a decision with POST /v1/decisions
 * (moderator token): approved → approve (label ham), spam → spam,
 * trash → reject. Pending comments carry no label: moderated judges them
 * like new comments, and its verdict applies. Calls are idempotent: a batch
 * sent again after an error is recognised by its ids.
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The import.
 */
class Moderated_Backfill {

	/** Comments per AJAX call (one batch request, up to three decision requests). */
	const BATCH = 100;

	/**
	 * Hooks.
	 */
	public static function init() {
		add_action( 'wp_ajax_moderated_backfill', array( __CLASS__, 'ajax' ) );
	}

	/**
	 * Comments moderated has not seen, after $cursor, oldest first.
	 *
	 * @param int $cursor Last comment id done.
	 * @param int $limit  At most this many.
	 * @return int[]
	 */
	public static function next_ids( $cursor, $limit ) {
		global $wpdb;
		return array_map(
			'intval',
			$wpdb->get_col(
				$wpdb->prepare(
					"SELECT c.comment_ID FROM {$wpdb->comments} c
					 LEFT JOIN {$wpdb->commentmeta} m ON m.comment_id = c.comment_ID AND m.meta_key = '_moderated_id'
					 WHERE m.meta_id IS NULL AND c.comment_ID > %d AND c.comment_approved IN ('0', '1', 'spam', 'trash')
					 ORDER BY c.comment_ID LIMIT %d",
					$cursor,
					$limit
				)
			)
		);
	}

	/**
	 * How many comments moderated has not seen, after $cursor.
	 *
	 * @param int $cursor Last comment id done.
	 * @return int
	 */
	public static function count_left( $cursor ) {
		global $wpdb;
		return (int) $wpdb->get_var(
			$wpdb->prepare(
				"SELECT COUNT(*) FROM {$wpdb->comments} c
				 LEFT JOIN {$wpdb->commentmeta} m ON m.comment_id = c.comment_ID AND m.meta_key = '_moderated_id'
				 WHERE m.meta_id IS NULL AND c.comment_ID > %d AND c.comment_approved IN ('0', '1', 'spam', 'trash')",
				$cursor
			)
		);
	}

	/**
	 * The AJAX action: one step. Answers
	 * {cursor, done, left, imported, labelled, failed, notes[]} or an error.
	 */
	public static function ajax() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_send_json_error( array( 'message' => __( 'You are not allowed to import comments.', 'moderated' ) ), 403 );
		}
		check_ajax_referer( 'moderated_backfill', 'nonce' );
		if ( ! Moderated_Settings::is_configured() ) {
			wp_send_json_error( array( 'message' => __( 'Set the daemon URL, the site and the site token first.', 'moderated' ) ), 400 );
		}
		$cursor = isset( $_POST['cursor'] ) ? absint( $_POST['cursor'] ) : 0;
		$step   = self::step( $cursor, self::BATCH );
		if ( '' !== $step['error'] ) {
			wp_send_json_error( array( 'message' => $step['error'] ), 502 );
		}
		wp_send_json_success( $step );
	}

	/**
	 * One step of the import.
	 *
	 * @param int $cursor Last comment id done.
	 * @param int $limit  Comments in this step.
	 * @return array
	 */
	public static function step( $cursor, $limit ) {
		$out = array(
			'cursor'   => $cursor,
			'done'     => false,
			'left'     => 0,
			'imported' => 0,
			'labelled' => 0,
			'failed'   => 0,
			'notes'    => array(),
			'error'    => '',
		);
		$ids = self::next_ids( $cursor, $limit );
		if ( ! $ids ) {
			$out['done'] = true;
			return $out;
		}
		// The labels are the statuses editors gave, before moderated's verdicts
		// move pending comments.
		$status_before = array();
		foreach ( $ids as $comment_id ) {
			$status_before[ $comment_id ] = wp_get_comment_status( $comment_id );
		}
		Moderated_Client::reset_down();
		$client = new Moderated_Client();
		$batch  = Moderated_Sync::send_batch( $client, $ids );
		if ( '' !== $batch['error'] ) {
			$out['error'] = $batch['error'];
			return $out;
		}
		$out['imported'] = $batch['sent'];
		$out['failed']   = $batch['failed'];

		// The labels: each comment's WordPress status as a decision.
		$by_decision = array(
			'approve' => array(),
			'spam'    => array(),
			'reject'  => array(),
		);
		$wp_of       = array();
		foreach ( $ids as $comment_id ) {
			$moderated_id = (int) get_comment_meta( $comment_id, '_moderated_id', true );
			$status       = $status_before[ $comment_id ];
			if ( $moderated_id <= 0 || get_comment_meta( $comment_id, '_moderated_outbox', true ) ) {
				continue; // Failed, or an editor's own decision is on its way.
			}
			$decision = array(
				'approved' => 'approve',
				'spam'     => 'spam',
				'trash'    => 'reject',
			);
			if ( isset( $decision[ $status ] ) ) {
				$by_decision[ $decision[ $status ] ][] = $moderated_id;
				$wp_of[ $moderated_id ]                = $comment_id;
			}
		}
		if ( '' === (string) Moderated_Settings::get( 'moderator_token' ) ) {
			if ( array_filter( $by_decision ) ) {
				$out['notes'][] = __( 'No moderator token: comments were imported without their WordPress status as labels.', 'moderated' );
			}
		} else {
			foreach ( $by_decision as $decision => $moderated_ids ) {
				if ( ! $moderated_ids ) {
					continue;
				}
				$result = $client->decide_many( $moderated_ids, $decision, 'WordPress import: status at import time' );
				if ( ! $result->ok() || ! isset( $result->json['results'] ) ) {
					$out['error'] = $result->error;
					return $out;
				}
				foreach ( $result->json['results'] as $r ) {
					if ( isset( $r['status'] ) && 200 === (int) $r['status'] ) {
						++$out['labelled'];
					} elseif ( isset( $r['id'], $r['detail'], $wp_of[ (int) $r['id'] ] ) ) {
						$out['notes'][] = sprintf(
							/* translators: 1: WordPress comment id, 2: moderated's explanation */
							__( 'Comment %1$d: %2$s', 'moderated' ),
							$wp_of[ (int) $r['id'] ],
							$r['detail']
						);
					}
				}
			}
		}
		$out['cursor'] = max( $ids );
		$out['left']   = self::count_left( $out['cursor'] );
		$out['done']   = 0 === $out['left'];
		return $out;
	}
}
