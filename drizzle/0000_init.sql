CREATE TABLE `attributes` (
	`user_id` integer NOT NULL,
	`attribute` text NOT NULL,
	`label` text NOT NULL,
	`status` text DEFAULT 'owned' NOT NULL,
	`error` text,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`user_id`, `attribute`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mappings` (
	`user_id` integer NOT NULL,
	`project` text NOT NULL,
	`attribute` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`user_id`, `project`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mappings_attribute` ON `mappings` (`user_id`,`attribute`);--> statement-breakpoint
CREATE TABLE `projects` (
	`user_id` integer NOT NULL,
	`project` text NOT NULL,
	`source` text NOT NULL,
	`name` text NOT NULL,
	`workspace_id` text NOT NULL,
	`workspace_name` text NOT NULL,
	`client_name` text,
	`color` text,
	`archived` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`user_id`, `project`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	`summary` text NOT NULL,
	`error` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `runs_user` ON `runs` (`user_id`,`id`);--> statement-breakpoint
CREATE TABLE `source_connections` (
	`user_id` integer NOT NULL,
	`source` text NOT NULL,
	`credential` text,
	`account_id` text,
	`region` text,
	`meta` text,
	`connected` integer DEFAULT true NOT NULL,
	`reason` text,
	`projects_refreshed_at` integer,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`user_id`, `source`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `user_data` (
	`user_id` integer NOT NULL,
	`attribute` text NOT NULL,
	`date` text NOT NULL,
	`value` integer NOT NULL,
	`pending` integer DEFAULT false NOT NULL,
	`error` text,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`user_id`, `attribute`, `date`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`exist_username` text NOT NULL,
	`timezone` text NOT NULL,
	`timezone_checked_at` integer NOT NULL,
	`exist_auth` text NOT NULL,
	`exist_token` text NOT NULL,
	`exist_refresh_token` text,
	`exist_token_expires_at` integer,
	`syncing` integer DEFAULT true NOT NULL,
	`stopped_reason` text,
	`retry_after` integer,
	`lease_until` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_exist_username_unique` ON `users` (`exist_username`);