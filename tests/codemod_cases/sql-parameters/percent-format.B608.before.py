import pymysql


def rename(connection, user_id, name):
    cursor = connection.cursor()
    cursor.execute("UPDATE users SET name = '%s' WHERE id = %s" % (name, user_id))
    connection.commit()
