<?php
/**
 * wp-admin: the settings page (Settings → moderated), the verdict in the
 * comments list and on the comment's screen, the connection test, "send
 * now" and notices.
 *
 * @package moderated
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Admin screens.
 */
class Moderated_Admin {

	const PAGE = 'moderated';

	/**
	 * Hooks.
	 */
	public static function init() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ) );
		add_action( 'admin_init', array( __CLASS__, 'register' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'assets' ) );
		add_action( 'admin_notices', array( __CLASS__, 'notices' ) );
		add_filter( 'manage_edit-comments_columns', array( __CLASS__, 'columns' ) );
		add_action( 'manage_comments_custom_column', array( __CLASS__, 'column' ), 10, 2 );
		add_action( 'add_meta_boxes_comment', array( __CLASS__, 'meta_box' ) );
		add_action( 'wp_ajax_moderated_test', array( __CLASS__, 'ajax_test' ) );
		add_action( 'wp_ajax_moderated_send_now', array( __CLASS__, 'ajax_send_now' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( MODERATED_FILE ), array( __CLASS__, 'action_links' ) );
	}

	/**
	 * Settings → moderated.
	 */
	public static function menu() {
		add_options_page(
			__( 'moderated', 'moderated' ),
			__( 'moderated', 'moderated' ),
			'manage_options',
			self::PAGE,
			array( __CLASS__, 'page' )
		);
	}

	/**
	 * A "Settings" link on the Plugins screen.
	 *
	 * @param array $links Links.
	 * @return array
	 */
	public static function action_links( $links ) {
		array_unshift( $links, '<a href="' . esc_url( admin_url( 'options-general.php?page=' . self::PAGE ) ) . '">' . esc_html__( 'Settings', 'moderated' ) . '</a>' );
		return $links;
	}

	/**
	 * The option and its validation.
	 */
	public static function register() {
		register_setting(
			'moderated',
			Moderated_Settings::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( 'Moderated_Settings', 'sanitize' ),
				'show_in_rest'      => false,
			)
		);
	}

	/**
	 * CSS and JavaScript on our screens.
	 *
	 * @param string $hook The screen.
	 */
	public static function assets( $hook ) {
		if ( ! in_array( $hook, array( 'settings_page_' . self::PAGE, 'edit-comments.php', 'comment.php' ), true ) ) {
			return;
		}
		wp_enqueue_style( 'moderated-admin', plugins_url( 'assets/admin.css', MODERATED_FILE ), array(), MODERATED_VERSION );
		if ( 'settings_page_' . self::PAGE !== $hook ) {
			return;
		}
		wp_enqueue_script( 'moderated-admin', plugins_url( 'assets/admin.js', MODERATED_FILE ), array(), MODERATED_VERSION, true );
		wp_localize_script(
			'moderated-admin',
			'moderatedAdmin',
			array(
				'ajaxUrl' => admin_url( 'admin-ajax.php' ),
				'nonces'  => array(
					'test'     => wp_create_nonce( 'moderated_test' ),
					'backfill' => wp_create_nonce( 'moderated_backfill' ),
					'sendNow'  => wp_create_nonce( 'moderated_send_now' ),
				),
				'i18n'    => array(
					'testing'       => __( 'Checking…', 'moderated' ),
					'importing'     => __( 'Importing…', 'moderated' ),
					/* translators: 1: comments done, 2: comments in all */
					'progress'      => __( '%1$s of %2$s comments imported', 'moderated' ),
					/* translators: 1: comments imported, 2: labels sent, 3: comments refused */
					'finished'      => __( 'Import finished: %1$s comments imported, %2$s labels sent, %3$s refused.', 'moderated' ),
					/* translators: %s: why the import stopped */
					'stopped'       => __( 'The import stopped: %s. Start it again to continue where it stopped.', 'moderated' ),
					'sending'       => __( 'Sending…', 'moderated' ),
					/* translators: %s: HTTP status code */
					'requestFailed' => __( 'The request failed (HTTP %s).', 'moderated' ),
				),
			)
		);
	}

	/**
	 * Notices: not configured yet; comments waiting for moderated.
	 */
	public static function notices() {
		if ( ! current_user_can( 'moderate_comments' ) ) {
			return;
		}
		$screen = get_current_screen();
		$ours   = $screen && in_array( $screen->id, array( 'edit-comments', 'settings_page_' . self::PAGE, 'dashboard', 'plugins' ), true );
		if ( ! $ours ) {
			return;
		}
		if ( ! Moderated_Settings::is_configured() ) {
			if ( ! current_user_can( 'manage_options' ) ) {
				return;
			}
			printf(
				'<div class="notice notice-warning"><p>%s <a href="%s">%s</a></p></div>',
				esc_html__( 'moderated is not configured yet: WordPress moderates comments on its own.', 'moderated' ),
				esc_url( admin_url( 'options-general.php?page=' . self::PAGE ) ),
				esc_html__( 'Configure it', 'moderated' )
			);
			return;
		}
		$unsent = Moderated_Store::count_with_meta( '_moderated_state', 'unsent' );
		if ( $unsent > 0 ) {
			printf(
				'<div class="notice notice-warning moderated-backlog"><p>%s</p></div>',
				esc_html(
					sprintf(
						/* translators: %s: number of comments */
						_n(
							'%s comment is waiting for moderated, which could not be reached. It stays pending and is sent again automatically.',
							'%s comments are waiting for moderated, which could not be reached. They stay pending and are sent again automatically.',
							$unsent,
							'moderated'
						),
						number_format_i18n( $unsent )
					)
				)
			);
		}
	}

	/**
	 * The comments list gets a "moderated" column.
	 *
	 * @param array $columns Columns.
	 * @return array
	 */
	public static function columns( $columns ) {
		$out = array();
		foreach ( $columns as $key => $label ) {
			$out[ $key ] = $label;
			if ( 'comment' === $key ) {
				$out['moderated'] = __( 'moderated', 'moderated' );
			}
		}
		if ( ! isset( $out['moderated'] ) ) {
			$out['moderated'] = __( 'moderated', 'moderated' );
		}
		return $out;
	}

	/**
	 * A verdict's action for people.
	 *
	 * @param string $action accept | hold | reject.
	 * @return string
	 */
	public static function action_label( $action ) {
		switch ( $action ) {
			case 'accept':
				return __( 'Accepted', 'moderated' );
			case 'hold':
				return __( 'Held for review', 'moderated' );
			case 'reject':
				return __( 'Rejected', 'moderated' );
		}
		return $action;
	}

	/**
	 * A decision for people.
	 *
	 * @param string $decision approve | reject | spam | abuse | undo.
	 * @return string
	 */
	public static function decision_label( $decision ) {
		switch ( $decision ) {
			case 'approve':
				return __( 'approved', 'moderated' );
			case 'reject':
				return __( 'rejected', 'moderated' );
			case 'spam':
				return __( 'spam', 'moderated' );
			case 'abuse':
				return __( 'abuse', 'moderated' );
			case 'undo':
				return __( 'undone', 'moderated' );
		}
		return $decision;
	}

	/**
	 * The column's cell.
	 *
	 * @param string $column     Column key.
	 * @param int    $comment_id Comment id.
	 */
	public static function column( $column, $comment_id ) {
		if ( 'moderated' !== $column ) {
			return;
		}
		self::summary( (int) $comment_id, 2 );
	}

	/**
	 * The verdict in short: badge, score, top reasons, state.
	 *
	 * @param int $comment_id  Comment id.
	 * @param int $max_reasons Reasons shown.
	 */
	public static function summary( $comment_id, $max_reasons ) {
		$state   = (string) get_comment_meta( $comment_id, '_moderated_state', true );
		$verdict = get_comment_meta( $comment_id, '_moderated_verdict', true );
		$error   = (string) get_comment_meta( $comment_id, '_moderated_error', true );
		echo '<div class="moderated-summary" data-moderated-state="' . esc_attr( '' === $state ? 'none' : $state ) . '"';
		if ( is_array( $verdict ) ) {
			echo ' data-moderated-action="' . esc_attr( $verdict['action'] ) . '" data-moderated-score="' . esc_attr( (string) $verdict['score'] ) . '"';
		}
		echo '>';
		if ( is_array( $verdict ) ) {
			printf(
				'<span class="moderated-badge moderated-%1$s">%2$s</span> <span class="moderated-score">%3$s</span>',
				esc_attr( $verdict['action'] ),
				esc_html( self::action_label( $verdict['action'] ) ),
				esc_html(
					sprintf(
						/* translators: %s: the verdict's score */
						__( 'score %s', 'moderated' ),
						number_format_i18n( (float) $verdict['score'], 1 )
					)
				)
			);
			if ( ! empty( $verdict['reasons'] ) ) {
				echo '<ul class="moderated-reasons">';
				foreach ( array_slice( $verdict['reasons'], 0, $max_reasons ) as $r ) {
					echo '<li data-rule="' . esc_attr( $r['rule'] ) . '">';
					echo esc_html( '' !== $r['description'] ? $r['description'] : $r['rule'] );
					if ( '' !== $r['excerpt'] ) {
						echo ' <q dir="auto">' . esc_html( $r['excerpt'] ) . '</q>';
					}
					echo '</li>';
				}
				echo '</ul>';
			}
		} elseif ( 'unsent' === $state ) {
			echo '<span class="moderated-badge moderated-unsent">' . esc_html__( 'Not sent yet', 'moderated' ) . '</span>';
			echo '<p class="moderated-note">' . esc_html__( 'moderated could not be reached; the comment stays pending and is sent again automatically.', 'moderated' ) . '</p>';
		} elseif ( 'failed' === $state ) {
			echo '<span class="moderated-badge moderated-failed">' . esc_html__( 'Refused', 'moderated' ) . '</span>';
		} elseif ( 'skipped' === $state ) {
			echo '<span class="moderated-badge moderated-unsent">' . esc_html__( 'Not checked', 'moderated' ) . '</span>';
			echo '<p class="moderated-note">' . esc_html__( 'moderated could not be reached; this comment is left to WordPress\'s moderators.', 'moderated' ) . '</p>';
		} else {
			echo '<span class="moderated-none">—</span>';
		}
		$decision = get_comment_meta( $comment_id, '_moderated_decision', true );
		if ( is_array( $decision ) && ! empty( $decision['decision'] ) ) {
			echo '<p class="moderated-decided">' . esc_html(
				sprintf(
					/* translators: %s: a decision such as "spam" */
					__( 'Decided in moderated: %s', 'moderated' ),
					self::decision_label( $decision['decision'] )
				)
			) . '</p>';
		}
		$outbox = get_comment_meta( $comment_id, '_moderated_outbox', true );
		if ( is_array( $outbox ) && ! empty( $outbox['decision'] ) ) {
			echo '<p class="moderated-note">' . esc_html(
				sprintf(
					/* translators: %s: a decision such as "spam" */
					__( 'Your decision (%s) is waiting to be sent to moderated.', 'moderated' ),
					self::decision_label( $outbox['decision'] )
				)
			) . '</p>';
		}
		if ( '' !== $error && ( 'judged' !== $state || is_array( $outbox ) ) ) {
			echo '<p class="moderated-error">' . esc_html( $error ) . '</p>';
		}
		echo '</div>';
	}

	/**
	 * The comment's screen gets a box with the whole verdict.
	 *
	 * @param WP_Comment $comment The comment.
	 */
	public static function meta_box( $comment ) {
		add_meta_box( 'moderated-verdict', __( 'moderated', 'moderated' ), array( __CLASS__, 'box' ), 'comment', 'normal' );
	}

	/**
	 * The box.
	 *
	 * @param WP_Comment $comment The comment.
	 */
	public static function box( $comment ) {
		$comment_id = (int) $comment->comment_ID;
		self::summary( $comment_id, 0 );
		$verdict = get_comment_meta( $comment_id, '_moderated_verdict', true );
		if ( is_array( $verdict ) && ! empty( $verdict['reasons'] ) ) {
			echo '<table class="widefat striped moderated-reason-table"><thead><tr>';
			echo '<th>' . esc_html__( 'Reason', 'moderated' ) . '</th>';
			echo '<th>' . esc_html__( 'Rule', 'moderated' ) . '</th>';
			echo '<th>' . esc_html__( 'Score', 'moderated' ) . '</th>';
			echo '<th>' . esc_html__( 'Where', 'moderated' ) . '</th>';
			echo '</tr></thead><tbody>';
			foreach ( $verdict['reasons'] as $r ) {
				echo '<tr data-rule="' . esc_attr( $r['rule'] ) . '">';
				echo '<td>' . esc_html( $r['description'] ) . '</td>';
				echo '<td><code>' . esc_html( $r['rule'] ) . '</code></td>';
				echo '<td>' . esc_html( number_format_i18n( (float) $r['score'], 2 ) ) . '</td>';
				echo '<td>' . ( '' !== $r['excerpt'] ? '<q dir="auto">' . esc_html( $r['excerpt'] ) . '</q> ' : '' ) . '<code>' . esc_html( $r['field'] ) . '</code></td>';
				echo '</tr>';
			}
			echo '</tbody></table>';
		}
		echo '<dl class="moderated-facts">';
		$facts = array();
		if ( is_array( $verdict ) ) {
			$facts[ __( 'Language', 'moderated' ) ]         = '' !== $verdict['language'] ? $verdict['language'] : '—';
			$facts[ __( 'Rules, model', 'moderated' ) ]     = $verdict['rules'] . ', ' . $verdict['model'];
		}
		$moderated_id = (string) get_comment_meta( $comment_id, '_moderated_id', true );
		if ( '' !== $moderated_id ) {
			$facts[ __( 'Id in moderated', 'moderated' ) ] = $moderated_id;
		}
		$external_id = (string) get_comment_meta( $comment_id, '_moderated_external_id', true );
		if ( '' !== $external_id ) {
			$facts[ __( 'Id sent to moderated', 'moderated' ) ] = $external_id;
		}
		$decision = get_comment_meta( $comment_id, '_moderated_decision', true );
		if ( is_array( $decision ) && '' !== $decision['note'] ) {
			$facts[ __( 'Moderator\'s note', 'moderated' ) ] = $decision['note'];
		}
		foreach ( $facts as $k => $v ) {
			echo '<dt>' . esc_html( $k ) . '</dt><dd dir="auto">' . esc_html( $v ) . '</dd>';
		}
		echo '</dl>';
	}

	/**
	 * AJAX: the connection test, with the form's current values.
	 */
	public static function ajax_test() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_send_json_error( array( 'message' => __( 'You are not allowed to do this.', 'moderated' ) ), 403 );
		}
		check_ajax_referer( 'moderated_test', 'nonce' );
		$saved = Moderated_Settings::all();
		$field = static function ( $key ) use ( $saved ) {
			$v = isset( $_POST[ $key ] ) ? trim( (string) wp_unslash( $_POST[ $key ] ) ) : '';
			return '' !== $v ? $v : (string) $saved[ $key ];
		};
		$url             = untrailingslashit( $field( 'url' ) );
		$site            = $field( 'site' );
		$site_token      = $field( 'site_token' );
		$moderator_token = $field( 'moderator_token' );
		$timeout         = is_numeric( $field( 'timeout' ) ) ? (float) $field( 'timeout' ) : Moderated_Settings::DEFAULT_TIMEOUT;
		$timeout         = max( Moderated_Settings::MIN_TIMEOUT, min( Moderated_Settings::MAX_TIMEOUT, $timeout ) );

		$checks = array();
		$url_error = '' === $url ? __( 'Enter the daemon URL.', 'moderated' ) : Moderated_Settings::validate_url( $url );
		if ( null !== $url_error ) {
			wp_send_json_success( array( 'checks' => array( array( 'ok' => false, 'text' => $url_error ) ) ) );
		}
		Moderated_Client::reset_down();
		$client = new Moderated_Client( $url, $timeout );

		$r = $client->call( 'GET', '/readyz', '' );
		if ( $r->unreachable ) {
			$checks[] = array( 'ok' => false, 'text' => $r->error );
			wp_send_json_success( array( 'checks' => $checks ) );
		}
		if ( $r->ok() && isset( $r->json['checks'] ) ) {
			$checks[] = array(
				'ok'   => true,
				'text' => sprintf(
					/* translators: 1: daemon URL, 2: rules version, 3: model version */
					__( 'moderated at %1$s is ready (rules %2$s, model %3$s).', 'moderated' ),
					$url,
					isset( $r->json['checks']['rules'] ) ? $r->json['checks']['rules'] : '?',
					isset( $r->json['checks']['model'] ) ? $r->json['checks']['model'] : '?'
				),
			);
		} else {
			$checks[] = array(
				'ok'   => false,
				'text' => sprintf(
					/* translators: %s: the answer */
					__( 'moderated answers but is not ready: %s', 'moderated' ),
					'' !== $r->error ? $r->error : wp_json_encode( $r->json )
				),
			);
		}

		// The site token: a dry run (POST /v1/check stores nothing).
		if ( '' === $site_token ) {
			$checks[] = array( 'ok' => false, 'text' => __( 'Enter the site token: without it no comment is sent.', 'moderated' ) );
		} else {
			$r = $client->call(
				'POST',
				'/v1/check',
				$site_token,
				array(
					'site'    => $site,
					'content' => 'moderated WordPress plugin: connection test',
				)
			);
			$checks[] = $r->ok()
				? array(
					'ok'   => true,
					/* translators: %s: site name */
					'text' => sprintf( __( 'The site token may send comments for site "%s".', 'moderated' ), $site ),
				)
				: array(
					'ok'   => false,
					/* translators: %s: moderated's explanation */
					'text' => sprintf( __( 'The site token does not work: %s', 'moderated' ), $r->error ),
				);
		}

		// The moderator token: the site's review queue.
		if ( '' === $moderator_token ) {
			$checks[] = array( 'ok' => false, 'text' => __( 'No moderator token: decisions made in wp-admin, and the import\'s labels, will not reach moderated.', 'moderated' ) );
		} else {
			$r = $client->call( 'GET', '/v1/queue?limit=1&site=' . rawurlencode( $site ), $moderator_token );
			if ( $r->ok() ) {
				$checks[] = array(
					'ok'   => true,
					'text' => sprintf(
						/* translators: 1: site name, 2: number of comments */
						__( 'The moderator token may decide comments of site "%1$s" (%2$s waiting in moderated\'s queue).', 'moderated' ),
						$site,
						number_format_i18n( isset( $r->json['counts']['total'] ) ? (int) $r->json['counts']['total'] : 0 )
					),
				);
			} else {
				$checks[] = array(
					'ok'   => false,
					/* translators: %s: moderated's explanation */
					'text' => sprintf( __( 'The moderator token does not work: %s', 'moderated' ), $r->error ),
				);
			}
		}

		$last = (int) get_option( 'moderated_last_webhook', 0 );
		$checks[] = $last > 0
			? array(
				'ok'   => true,
				/* translators: %s: how long ago, e.g. "5 mins" */
				'text' => sprintf( __( 'The last webhook from moderated arrived %s ago.', 'moderated' ), human_time_diff( $last ) ),
			)
			: array(
				'ok'   => null,
				'text' => __( 'No webhook from moderated has arrived yet. They arrive when a moderator decides a comment in moderated, once the webhook below is registered.', 'moderated' ),
			);
		wp_send_json_success( array( 'checks' => $checks ) );
	}

	/**
	 * AJAX: send the waiting comments and decisions now.
	 */
	public static function ajax_send_now() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_send_json_error( array( 'message' => __( 'You are not allowed to do this.', 'moderated' ) ), 403 );
		}
		check_ajax_referer( 'moderated_send_now', 'nonce' );
		$r = Moderated_Sync::run();
		if ( '' !== $r['error'] ) {
			wp_send_json_error( array( 'message' => $r['error'] ), 502 );
		}
		wp_send_json_success(
			array(
				'message' => sprintf(
					/* translators: 1: comments sent, 2: decisions sent, 3: items still waiting */
					__( 'Sent %1$s comments and %2$s decisions; %3$s still waiting.', 'moderated' ),
					number_format_i18n( $r['sent'] ),
					number_format_i18n( $r['decisions'] ),
					number_format_i18n( $r['left'] )
				),
			)
		);
	}

	/**
	 * The settings page.
	 */
	public static function page() {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$s       = Moderated_Settings::all();
		$opt     = Moderated_Settings::OPTION;
		$secret  = Moderated_Settings::webhook_secret();
		$hook    = Moderated_Settings::webhook_url();
		$unsent  = Moderated_Store::count_with_meta( '_moderated_state', 'unsent' );
		$waiting = Moderated_Store::count_with_meta( '_moderated_outbox', null );
		$left    = Moderated_Backfill::count_left( 0 );
		?>
		<div class="wrap moderated-settings">
			<h1><?php esc_html_e( 'moderated', 'moderated' ); ?></h1>
			<p class="moderated-intro"><?php esc_html_e( 'moderated judges every new comment: accepted comments are published, held ones wait for a moderator, rejected ones go to spam. Decisions made in moderated\'s console come back here by webhook, and yours in wp-admin go back to moderated as labels for its learning.', 'moderated' ); ?></p>
			<?php // Errors and "Settings saved": options-head.php shows them on Settings pages. ?>
			<form method="post" action="options.php" id="moderated-form">
				<?php settings_fields( 'moderated' ); ?>
				<h2><?php esc_html_e( 'Connection', 'moderated' ); ?></h2>
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="moderated-url"><?php esc_html_e( 'Daemon URL', 'moderated' ); ?></label></th>
						<td><input type="url" class="regular-text code" dir="ltr" id="moderated-url" name="<?php echo esc_attr( $opt ); ?>[url]" value="<?php echo esc_attr( $s['url'] ); ?>" placeholder="http://127.0.0.1:8080">
						<p class="description"><?php esc_html_e( 'Where moderated serve listens, as seen from this web server.', 'moderated' ); ?></p></td>
					</tr>
					<tr>
						<th scope="row"><label for="moderated-site"><?php esc_html_e( 'Site', 'moderated' ); ?></label></th>
						<td><input type="text" class="regular-text code" dir="ltr" id="moderated-site" name="<?php echo esc_attr( $opt ); ?>[site]" value="<?php echo esc_attr( $s['site'] ); ?>">
						<p class="description"><?php esc_html_e( 'The site name in moderated: its rules, thresholds, tokens and webhook are per site.', 'moderated' ); ?></p></td>
					</tr>
					<tr>
						<th scope="row"><label for="moderated-site-token"><?php esc_html_e( 'Site token', 'moderated' ); ?></label></th>
						<td><input type="password" class="regular-text code" dir="ltr" autocomplete="off" id="moderated-site-token" name="<?php echo esc_attr( $opt ); ?>[site_token]" value="<?php echo esc_attr( $s['site_token'] ); ?>">
						<p class="description"><?php esc_html_e( 'Sends comments. Create it with:', 'moderated' ); ?> <code dir="ltr">moderated token create --role site --site <?php echo esc_html( $s['site'] ); ?> --name wordpress</code></p></td>
					</tr>
					<tr>
						<th scope="row"><label for="moderated-moderator-token"><?php esc_html_e( 'Moderator token', 'moderated' ); ?></label></th>
						<td><input type="password" class="regular-text code" dir="ltr" autocomplete="off" id="moderated-moderator-token" name="<?php echo esc_attr( $opt ); ?>[moderator_token]" value="<?php echo esc_attr( $s['moderator_token'] ); ?>">
						<p class="description"><?php esc_html_e( 'Sends wp-admin decisions (Approve, Spam, Not spam, Trash) to moderated. Create it with:', 'moderated' ); ?> <code dir="ltr">moderated token create --role moderator --site <?php echo esc_html( $s['site'] ); ?> --name wordpress-editors</code></p></td>
					</tr>
					<tr>
						<th scope="row"><label for="moderated-timeout"><?php esc_html_e( 'Timeout', 'moderated' ); ?></label></th>
						<td><input type="number" step="0.1" min="<?php echo esc_attr( Moderated_Settings::MIN_TIMEOUT ); ?>" max="<?php echo esc_attr( Moderated_Settings::MAX_TIMEOUT ); ?>" class="small-text" dir="ltr" id="moderated-timeout" name="<?php echo esc_attr( $opt ); ?>[timeout]" value="<?php echo esc_attr( (string) $s['timeout'] ); ?>"> <?php esc_html_e( 'seconds', 'moderated' ); ?>
						<p class="description"><?php esc_html_e( 'How long a visitor\'s comment may wait for moderated\'s verdict.', 'moderated' ); ?></p></td>
					</tr>
					<tr>
						<th scope="row"><?php esc_html_e( 'When moderated is down', 'moderated' ); ?></th>
						<td><fieldset>
							<label><input type="radio" name="<?php echo esc_attr( $opt ); ?>[when_down]" value="<?php echo esc_attr( Moderated_Settings::DOWN_RESEND ); ?>" <?php checked( $s['when_down'], Moderated_Settings::DOWN_RESEND ); ?>> <?php esc_html_e( 'Keep the comment pending and send it to moderated when it is back (recommended)', 'moderated' ); ?></label><br>
							<label><input type="radio" name="<?php echo esc_attr( $opt ); ?>[when_down]" value="<?php echo esc_attr( Moderated_Settings::DOWN_WORDPRESS ); ?>" <?php checked( $s['when_down'], Moderated_Settings::DOWN_WORDPRESS ); ?>> <?php esc_html_e( 'Keep the comment pending for WordPress\'s moderators only', 'moderated' ); ?></label>
							<p class="description"><?php esc_html_e( 'Either way the comment is stored and nothing is published unchecked.', 'moderated' ); ?></p>
						</fieldset></td>
					</tr>
				</table>
				<p>
					<button type="button" class="button" id="moderated-test"><?php esc_html_e( 'Test connection', 'moderated' ); ?></button>
				</p>
				<ul id="moderated-test-result" class="moderated-checks" aria-live="polite"></ul>

				<h2><?php esc_html_e( 'Webhook', 'moderated' ); ?></h2>
				<p><?php esc_html_e( 'Decisions made in moderated reach this site by signed webhook. Register this URL and secret for the site in moderated (an admin token is needed):', 'moderated' ); ?></p>
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="moderated-webhook-url"><?php esc_html_e( 'Webhook URL', 'moderated' ); ?></label></th>
						<td><input type="text" readonly class="large-text code" dir="ltr" id="moderated-webhook-url" value="<?php echo esc_attr( $hook ); ?>"></td>
					</tr>
					<tr>
						<th scope="row"><label for="moderated-webhook-secret"><?php esc_html_e( 'Webhook secret', 'moderated' ); ?></label></th>
						<td><input type="text" readonly class="large-text code" dir="ltr" id="moderated-webhook-secret" value="<?php echo esc_attr( $secret ); ?>">
						<label><input type="checkbox" name="<?php echo esc_attr( $opt ); ?>[new_secret]" value="1"> <?php esc_html_e( 'Generate a new secret when saving', 'moderated' ); ?></label></td>
					</tr>
				</table>
				<pre class="moderated-command" dir="ltr"><?php
				echo esc_html(
					'curl -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \\' . "\n"
					. '  -d \'' . wp_json_encode(
						array(
							'webhook_url'    => $hook,
							'webhook_secret' => $secret,
						),
						JSON_UNESCAPED_SLASHES
					) . '\' \\' . "\n"
					. '  ' . ( '' !== $s['url'] ? $s['url'] : 'http://127.0.0.1:8080' ) . '/v1/admin/sites/' . rawurlencode( $s['site'] )
				);
				?></pre>
				<p class="description"><?php esc_html_e( 'PUT replaces the site\'s whole entry: add its hold_at, reject_at, languages and retention_days if you set them before.', 'moderated' ); ?></p>
				<?php submit_button(); ?>
			</form>

			<h2><?php esc_html_e( 'Waiting to be sent', 'moderated' ); ?></h2>
			<p id="moderated-waiting" data-unsent="<?php echo esc_attr( (string) $unsent ); ?>" data-decisions="<?php echo esc_attr( (string) $waiting ); ?>"><?php
			echo esc_html(
				sprintf(
					/* translators: 1: number of comments, 2: number of decisions */
					__( '%1$s comments and %2$s wp-admin decisions are waiting for moderated. They are sent every five minutes.', 'moderated' ),
					number_format_i18n( $unsent ),
					number_format_i18n( $waiting )
				)
			);
			?></p>
			<p><button type="button" class="button" id="moderated-send-now"><?php esc_html_e( 'Send now', 'moderated' ); ?></button> <span id="moderated-send-result" aria-live="polite"></span></p>

			<h2><?php esc_html_e( 'Import existing comments', 'moderated' ); ?></h2>
			<p><?php esc_html_e( 'Sends the comments moderated has not seen yet, with their current status as labels (approved → ham, spam → spam, trash → rejected), so the site\'s model learns from its history. Pending comments are judged like new ones. You can stop and start again: nothing is imported twice.', 'moderated' ); ?></p>
			<p id="moderated-backfill-left" data-left="<?php echo esc_attr( (string) $left ); ?>"><?php
			echo esc_html(
				sprintf(
					/* translators: %s: number of comments */
					__( 'Comments not imported yet: %s', 'moderated' ),
					number_format_i18n( $left )
				)
			);
			?></p>
			<p><button type="button" class="button button-secondary" id="moderated-backfill" <?php disabled( ! Moderated_Settings::is_configured() ); ?>><?php esc_html_e( 'Import comments', 'moderated' ); ?></button></p>
			<progress id="moderated-backfill-progress" max="<?php echo esc_attr( (string) max( 1, $left ) ); ?>" value="0" hidden></progress>
			<p id="moderated-backfill-status" aria-live="polite"></p>
		</div>
		<?php
	}
}
