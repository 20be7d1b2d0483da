package mysql

import "github.com/go-sql-driver/mysql"

type mysqlError = mysql.MySQLError
