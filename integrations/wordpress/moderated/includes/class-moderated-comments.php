<?php
/**
 * New comments: judged by moderated before WordPress stores them.
 *
 * `pre_comment_approved` sends the comment to POST /v1/comments and returns
 * the status that WordPress stores: accept → approved (1), hold → pending (0),
 * reject → spam. When moderated cannot be reached in time, or refuses the
 * request, the comment is stored as pending: never lost, never published
 * unchecked. `wp_insert_comment` then records the verdict (or the failure) in
 * the new comment's meta; unsent comments are sent again by Moderated_Sync.
 *
 * Comments that WordPress itself already refused (duplicates, floods: a
 * WP_Error) or put in spam or trash (the Disallowed Comment Keys) keep
 * WordPress's answer and are not sent. Comments by users who may moderate
 * comments are trusted, as WordPress trusts them, and not sent either.
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Judging comments on submission.
 */
class Moderated_Comments {

	/**
	 * The outcome of the last judgement in this PHP request, waiting for the
	 * comment to be inserted: external_id, state, verdict, error, approved.
	 *
	 * @var array|null
	 */
	private static $pending = null;

	/**
	 * Hooks.
	 */
	public static function init() {
		add_filter( 'pre_comment_approved', array( __CLASS__, 'judge' ), 99, 2 );
		add_action( 'wp_insert_comment', array( __CLASS__, 'remember' ), 10, 2 );
	}

	/**
	 * `pre_comment_approved`: asks moderated.
	 *
	 * @param int|string|WP_Error $approved    WordPress's own decision.
	 * @param array               $commentdata The comment, slashed.
	 * @return int|string|WP_Error
	 */
	public static function judge( $approved, $commentdata ) {
		if ( is_wp_error( $approved ) || 'spam' === $approved || 'trash' === $approved ) {
			self::$pending = null;
			return $approved;
		}
		if ( ! Moderated_Settings::is_configured() ) {
			return $approved; // Not set up yet: WordPress moderates alone.
		}
		$data = wp_unslash( $commentdata );
		if ( ! empty( $data['user_id'] ) && user_can( (int) $data['user_id'], 'moderate_comments' ) ) {
			self::$pending = null;
			return $approved;
		}
		// WordPress asks again when its first insert failed: same comment, same answer.
		if ( null !== self::$pending && self::$pending['key'] === self::key( $data ) ) {
			return self::$pending['approved'];
		}

		$external_id = wp_generate_uuid4();
		$result      = ( new Moderated_Client() )->submit( self::payload( $data, $external_id ) );
		$pending     = array(
			'key'         => self::key( $data ),
			'external_id' => $external_id,
			'verdict'     => null,
			'state'       => 'judged',
			'error'       => '',
			'approved'    => 0,
		);
		if ( $result->ok() && is_array( $result->json ) && isset( $result->json['action'] ) ) {
			$pending['verdict']  = $result->json;
			$pending['approved'] = self::status_for_action( (string) $result->json['action'] );
		} else {
			$pending['error'] = $result->error;
			if ( $result->ok() ) {
				// A 2xx without a verdict: not moderated, perhaps a proxy. Try again later.
				$pending['error'] = __( 'moderated sent an answer the plugin does not understand.', 'moderated' );
				$pending['state'] = 'unsent';
			} elseif ( ! $result->retryable() ) {
				$pending['state'] = 'failed'; // The request itself is wrong: a person decides.
			} elseif ( Moderated_Settings::DOWN_WORDPRESS === Moderated_Settings::get( 'when_down' ) ) {
				$pending['state'] = 'skipped';
			} else {
				$pending['state'] = 'unsent';
			}
		}
		self::$pending = $pending;
		return $pending['approved'];
	}

	/**
	 * `wp_insert_comment`: stores the judgement on the new comment.
	 *
	 * @param int        $comment_id The new comment's id.
	 * @param WP_Comment $comment    The comment.
	 */
	public static function remember( $comment_id, $comment ) {
		if ( null === self::$pending ) {
			return;
		}
		$p             = self::$pending;
		self::$pending = null;
		update_comment_meta( $comment_id, '_moderated_external_id', $p['external_id'] );
		if ( 'judged' === $p['state'] ) {
			Moderated_Store::save_verdict( $comment_id, $p['verdict'] );
			Moderated_Sync::kick_if_backlog();
		} else {
			Moderated_Store::save_failure( $comment_id, $p['state'], $p['error'] );
		}
	}

	/**
	 * WordPress's status for one of moderated's actions.
	 *
	 * @param string $action accept | hold | reject.
	 * @return int|string 1, 0 or 'spam'.
	 */
	public static function status_for_action( $action ) {
		if ( 'accept' === $action ) {
			return 1;
		}
		if ( 'reject' === $action ) {
			return 'spam';
		}
		return 0;
	}

	/**
	 * Gives a pending comment the status of moderated's verdict, unless a
	 * person decided it in the meantime. Used for comments judged after they
	 * were stored (retries, imports).
	 *
	 * @param int    $comment_id WordPress comment id.
	 * @param string $action     accept | hold | reject.
	 */
	public static function apply_late_verdict( $comment_id, $action ) {
		$comment = get_comment( $comment_id );
		if ( ! $comment || '0' !== (string) $comment->comment_approved || get_comment_meta( $comment_id, '_moderated_outbox', true ) ) {
			return;
		}
		$status = self::status_for_action( $action );
		if ( 0 === $status ) {
			return;
		}
		Moderated_Decisions::quietly(
			static function () use ( $comment_id, $status ) {
				if ( 'spam' === $status ) {
					wp_spam_comment( $comment_id );
				} else {
					wp_set_comment_status( $comment_id, 'approve' );
				}
			}
		);
	}

	/**
	 * The comment object for moderated (docs/api.md), within its limits:
	 * fields that would be refused (an invalid e-mail or IP) are left out.
	 *
	 * @param array  $c           Comment fields, unslashed (commentdata or a WP_Comment as an array).
	 * @param string $external_id Our id for it.
	 * @return array
	 */
	public static function payload( array $c, $external_id ) {
		$post_id = isset( $c['comment_post_ID'] ) ? (int) $c['comment_post_ID'] : 0;
		$p       = array(
			'site'    => (string) Moderated_Settings::get( 'site' ),
			'id'      => (string) $external_id,
			'content' => isset( $c['comment_content'] ) ? (string) $c['comment_content'] : '',
		);
		$thread = $post_id ? get_permalink( $post_id ) : false;
		if ( is_string( $thread ) && '' !== $thread ) {
			$p['thread'] = Moderated_Client::cut( $thread, 4096 );
		}
		$parent = isset( $c['comment_parent'] ) ? (int) $c['comment_parent'] : 0;
		if ( $parent > 0 ) {
			$parent_id   = (string) get_comment_meta( $parent, '_moderated_external_id', true );
			$p['parent'] = '' !== $parent_id ? $parent_id : 'wp:' . $parent;
		}
		$author = array();
		if ( ! empty( $c['comment_author'] ) ) {
			$author['name'] = Moderated_Client::cut( $c['comment_author'], 1024 );
		}
		$email = isset( $c['comment_author_email'] ) ? (string) $c['comment_author_email'] : '';
		$at    = strpos( $email, '@' );
		if ( '' !== $email && strlen( $email ) <= 320 && false !== $at && $at > 0 && $at < strlen( $email ) - 1 && ! preg_match( '/\s/', $email ) ) {
			$author['email'] = $email;
		}
		if ( ! empty( $c['comment_author_url'] ) ) {
			$author['url'] = Moderated_Client::cut( $c['comment_author_url'], 4096 );
		}
		$ip = isset( $c['comment_author_IP'] ) ? trim( (string) $c['comment_author_IP'] ) : '';
		if ( '' !== $ip && false !== filter_var( $ip, FILTER_VALIDATE_IP ) ) {
			$author['ip'] = $ip;
		}
		if ( ! empty( $c['comment_agent'] ) ) {
			$author['user_agent'] = Moderated_Client::cut( $c['comment_agent'], 2048 );
		}
		if ( $author ) {
			$p['author'] = $author;
		}
		$lang = str_replace( '_', '-', get_locale() );
		if ( preg_match( '/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/', $lang ) && strlen( $lang ) <= 35 ) {
			$p['lang'] = $lang;
		}
		$gmt = isset( $c['comment_date_gmt'] ) ? (string) $c['comment_date_gmt'] : '';
		if ( preg_match( '/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/', $gmt, $m ) && '0000-00-00' !== $m[1] ) {
			$p['created_at'] = $m[1] . 'T' . $m[2] . 'Z';
		}
		$p['meta'] = array(
			'source'  => 'wordpress',
			'post_id' => $post_id,
			'type'    => isset( $c['comment_type'] ) && '' !== $c['comment_type'] ? (string) $c['comment_type'] : 'comment',
		);
		if ( ! empty( $c['comment_ID'] ) ) {
			$p['meta']['comment_id'] = (int) $c['comment_ID'];
		}
		return $p;
	}

	/**
	 * A key that identifies one submission within a PHP request.
	 *
	 * @param array $data Comment fields.
	 * @return string
	 */
	private static function key( array $data ) {
		return md5(
			wp_json_encode(
				array(
					isset( $data['comment_post_ID'] ) ? (int) $data['comment_post_ID'] : 0,
					isset( $data['comment_author_email'] ) ? $data['comment_author_email'] : '',
					isset( $data['comment_author_IP'] ) ? $data['comment_author_IP'] : '',
					isset( $data['comment_date_gmt'] ) ? $data['comment_date_gmt'] : '',
				)
			)
		);
	}
}
