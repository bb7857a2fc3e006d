<?php
/**
 * What the plugin keeps in WordPress's database: comment meta (the verdict,
 * ids, the sending state, decisions waiting to go out) and one table of
 * webhook event ids already applied.
 *
 * Comment meta keys:
 *   _moderated_external_id  the id sent to moderated as `id` (a UUID made at submission)
 *   _moderated_id           moderated's own id of the comment
 *   _moderated_verdict      array: action, status, score, language, reasons (top 5), rules version
 *   _moderated_state        judged | unsent | failed | skipped
 *   _moderated_error        why the comment is unsent or failed
 *   _moderated_attempts     how many times sending failed
 *   _moderated_outbox       array: a wp-admin decision not yet accepted by moderated
 *   _moderated_synced_ms    time (Unix ms, moderated's clock) of the newest decision applied or sent
 *   _moderated_decision     array: the last decision received by webhook (decision, status, note, at)
 *   _moderated_echo         a decision being sent right now (its webhook echo is not applied)
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Database helpers.
 */
class Moderated_Store {

	const DB_VERSION        = '1';
	const DB_VERSION_OPTION = 'moderated_db_version';

	/** Set when comments wait to be sent; cleared when none is left. */
	const BACKLOG_OPTION = 'moderated_backlog';

	/**
	 * The webhook events table's name.
	 *
	 * @return string
	 */
	public static function events_table() {
		global $wpdb;
		return $wpdb->prefix . 'moderated_events';
	}

	/**
	 * Activation: the table, a webhook secret, the cron event.
	 */
	public static function activate() {
		self::create_table();
		if ( false === get_option( Moderated_Settings::OPTION ) ) {
			// Autoloaded: every comment submission reads it.
			add_option( Moderated_Settings::OPTION, array_merge( Moderated_Settings::defaults(), array( 'webhook_secret' => Moderated_Settings::new_secret() ) ) );
		}
		Moderated_Sync::schedule();
	}

	/**
	 * Creates or updates the table when the plugin's files are newer than it.
	 */
	public static function maybe_upgrade() {
		if ( get_option( self::DB_VERSION_OPTION ) !== self::DB_VERSION ) {
			self::create_table();
		}
	}

	/**
	 * The table of applied webhook events (deduplication by event_id).
	 */
	private static function create_table() {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$table   = self::events_table();
		$charset = $wpdb->get_charset_collate();
		dbDelta(
			"CREATE TABLE {$table} (
  event_id char(32) NOT NULL,
  received_at bigint(20) unsigned NOT NULL,
  PRIMARY KEY  (event_id),
  KEY received_at (received_at)
) {$charset};"
		);
		update_option( self::DB_VERSION_OPTION, self::DB_VERSION, false );
	}

	/**
	 * Records a webhook event id. False if it was recorded before (a replay).
	 *
	 * @param string $event_id 32 hex digits.
	 * @return bool
	 */
	public static function claim_event( $event_id ) {
		global $wpdb;
		$table = self::events_table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$rows = $wpdb->query( $wpdb->prepare( "INSERT IGNORE INTO {$table} (event_id, received_at) VALUES (%s, %d)", $event_id, time() ) );
		return 1 === $rows;
	}

	/**
	 * Forgets an event id, so that a later delivery of it is applied.
	 *
	 * @param string $event_id 32 hex digits.
	 */
	public static function release_event( $event_id ) {
		global $wpdb;
		$wpdb->delete( self::events_table(), array( 'event_id' => $event_id ), array( '%s' ) );
	}

	/**
	 * Drops event ids older than $days days (moderated stops retrying long before).
	 *
	 * @param int $days Age.
	 */
	public static function prune_events( $days = 14 ) {
		global $wpdb;
		$table = self::events_table();
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE received_at < %d", time() - $days * DAY_IN_SECONDS ) );
	}

	/**
	 * The WordPress comment id for an external id (or moderated's id), or 0.
	 *
	 * @param string $external_id The id we sent.
	 * @param int    $moderated_id moderated's id.
	 * @return int
	 */
	public static function find_comment( $external_id, $moderated_id ) {
		global $wpdb;
		if ( is_string( $external_id ) && '' !== $external_id ) {
			$id = $wpdb->get_var( $wpdb->prepare( "SELECT comment_id FROM {$wpdb->commentmeta} WHERE meta_key = '_moderated_external_id' AND meta_value = %s LIMIT 1", $external_id ) );
			if ( $id ) {
				return (int) $id;
			}
		}
		if ( $moderated_id > 0 ) {
			$id = $wpdb->get_var( $wpdb->prepare( "SELECT comment_id FROM {$wpdb->commentmeta} WHERE meta_key = '_moderated_id' AND meta_value = %s LIMIT 1", (string) (int) $moderated_id ) );
			if ( $id ) {
				return (int) $id;
			}
		}
		return 0;
	}

	/**
	 * Comment ids whose meta $key has $value, oldest first.
	 *
	 * @param string $key   Meta key.
	 * @param string $value Meta value, or null for any.
	 * @param int    $limit At most this many.
	 * @return int[]
	 */
	public static function comments_with_meta( $key, $value, $limit ) {
		global $wpdb;
		if ( null === $value ) {
			$sql = $wpdb->prepare( "SELECT DISTINCT comment_id FROM {$wpdb->commentmeta} WHERE meta_key = %s ORDER BY comment_id LIMIT %d", $key, $limit );
		} else {
			$sql = $wpdb->prepare( "SELECT comment_id FROM {$wpdb->commentmeta} WHERE meta_key = %s AND meta_value = %s ORDER BY comment_id LIMIT %d", $key, $value, $limit );
		}
		return array_map( 'intval', $wpdb->get_col( $sql ) );
	}

	/**
	 * How many comments have meta $key = $value.
	 *
	 * @param string $key   Meta key.
	 * @param string $value Meta value.
	 * @return int
	 */
	public static function count_with_meta( $key, $value ) {
		global $wpdb;
		if ( null === $value ) {
			return (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(DISTINCT comment_id) FROM {$wpdb->commentmeta} WHERE meta_key = %s", $key ) );
		}
		return (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->commentmeta} WHERE meta_key = %s AND meta_value = %s", $key, $value ) );
	}

	/**
	 * Stores a verdict from moderated on a comment.
	 *
	 * @param int   $comment_id WordPress comment id.
	 * @param array $verdict    The verdict object (docs/api.md).
	 */
	public static function save_verdict( $comment_id, array $verdict ) {
		$reasons = array();
		if ( isset( $verdict['reasons'] ) && is_array( $verdict['reasons'] ) ) {
			foreach ( $verdict['reasons'] as $r ) {
				if ( ! is_array( $r ) || ! empty( $r['shadow'] ) ) {
					continue;
				}
				$reasons[] = array(
					'rule'        => isset( $r['rule'] ) ? (string) $r['rule'] : '',
					'description' => isset( $r['description'] ) ? (string) $r['description'] : '',
					'score'       => isset( $r['score'] ) ? (float) $r['score'] : 0.0,
					'field'       => isset( $r['field'] ) ? (string) $r['field'] : '',
					'excerpt'     => isset( $r['excerpt'] ) ? Moderated_Client::cut( (string) $r['excerpt'], 200 ) : '',
				);
			}
		}
		// The strongest reasons first.
		usort(
			$reasons,
			static function ( $a, $b ) {
				return $b['score'] <=> $a['score'];
			}
		);
		$stored = array(
			'action'   => isset( $verdict['action'] ) ? (string) $verdict['action'] : '',
			'status'   => isset( $verdict['status'] ) ? (string) $verdict['status'] : '',
			'score'    => isset( $verdict['score'] ) ? (float) $verdict['score'] : 0.0,
			'language' => isset( $verdict['language']['code'] ) ? (string) $verdict['language']['code'] : '',
			'reasons'  => array_slice( $reasons, 0, 5 ),
			'rules'    => isset( $verdict['versions']['rules'] ) ? (string) $verdict['versions']['rules'] : '',
			'model'    => isset( $verdict['versions']['model'] ) ? (string) $verdict['versions']['model'] : '',
			'at'       => time(),
		);
		update_comment_meta( $comment_id, '_moderated_verdict', $stored );
		if ( isset( $verdict['id'] ) ) {
			update_comment_meta( $comment_id, '_moderated_id', (string) (int) $verdict['id'] );
		}
		update_comment_meta( $comment_id, '_moderated_state', 'judged' );
		delete_comment_meta( $comment_id, '_moderated_error' );
		delete_comment_meta( $comment_id, '_moderated_attempts' );
	}

	/**
	 * Marks a comment as not sent yet (retried) or failed (not retried).
	 *
	 * @param int    $comment_id WordPress comment id.
	 * @param string $state      unsent | failed | skipped.
	 * @param string $error      Why.
	 */
	public static function save_failure( $comment_id, $state, $error ) {
		update_comment_meta( $comment_id, '_moderated_state', $state );
		update_comment_meta( $comment_id, '_moderated_error', Moderated_Client::cut( $error, 1000 ) );
		$attempts = (int) get_comment_meta( $comment_id, '_moderated_attempts', true );
		update_comment_meta( $comment_id, '_moderated_attempts', $attempts + 1 );
		if ( 'unsent' === $state ) {
			update_option( self::BACKLOG_OPTION, 1, false );
		}
	}

	/**
	 * The newest decision time applied to or sent for a comment (Unix ms).
	 *
	 * @param int $comment_id WordPress comment id.
	 * @return int
	 */
	public static function synced_ms( $comment_id ) {
		return (int) get_comment_meta( $comment_id, '_moderated_synced_ms', true );
	}

	/**
	 * Raises the comment's decision time to $ms (never lowers it).
	 *
	 * @param int $comment_id WordPress comment id.
	 * @param int $ms         Unix ms.
	 */
	public static function raise_synced_ms( $comment_id, $ms ) {
		if ( $ms > self::synced_ms( $comment_id ) ) {
			update_comment_meta( $comment_id, '_moderated_synced_ms', (string) $ms );
		}
	}

	/**
	 * Unix milliseconds of an RFC 3339 time from moderated, or 0.
	 *
	 * @param string $time "2026-11-29T10:12:31.204Z".
	 * @return int
	 */
	public static function time_ms( $time ) {
		if ( ! is_string( $time ) || ! preg_match( '/^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$/', $time, $m ) ) {
			return 0;
		}
		$zone = ( 'Z' === $m[4] || 'z' === $m[4] ) ? '+00:00' : $m[4];
		$ts   = strtotime( $m[1] . 'T' . $m[2] . $zone );
		if ( false === $ts ) {
			return 0;
		}
		$ms = isset( $m[3] ) && '' !== $m[3] ? (int) substr( str_pad( $m[3], 3, '0' ), 0, 3 ) : 0;
		return $ts * 1000 + $ms;
	}
}
